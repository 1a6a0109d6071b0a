package slab

import (
	"encoding/binary"
	"fmt"

	"github.com/kdx-dev/kdx/kernel"
)

// where a slab is, which decides its expected frozen state.
type location uint8

const (
	unlisted    location = iota // full, or nowhere it should be
	cpuSlab                     // a CPU's active slab
	cpuPartial                  // on a CPU's partial chain
	nodePartial                 // on a node's partial list
)

func (l location) String() string {
	return [...]string{"no list", "a CPU's active slab", "a CPU's partial list", "a node's partial list"}[l]
}

// cpuSlabRef is a CPU's active slab with that CPU's lockless freelist.
type cpuSlabRef struct {
	cpu      int
	freelist uint64 // c->freelist: raw head, not encoded
	headAt   uint64 // address of c->freelist
}

// cpuState is one cache's per-CPU slabs.
type cpuState struct {
	active   map[uint64]cpuSlabRef // slab -> owning CPU
	partial  map[uint64]int        // slab -> CPU whose partial chain has it
	findings []kernel.Finding
}

// cpuLayout is struct kmem_cache_cpu.
type cpuLayout struct {
	freelist, slab, partial uint64
	size                    uint64
}

func (s *SLUB) cpuLayout() (cpuLayout, error) {
	var l cpuLayout
	b := s.k.Bin
	var err error
	if l.freelist, err = b.FieldOffset("struct kmem_cache_cpu", "freelist"); err != nil {
		return l, err
	}
	slabField := "slab"
	if !s.k.HasField("struct kmem_cache_cpu", slabField) {
		slabField = "page"
	}
	if l.slab, err = b.FieldOffset("struct kmem_cache_cpu", slabField); err != nil {
		return l, err
	}
	if off, err := b.FieldOffset("struct kmem_cache_cpu", "partial"); err == nil {
		l.partial = off
	} else {
		l.partial = ^uint64(0) // no CONFIG_SLUB_CPU_PARTIAL
	}
	l.size = max(l.slab, l.freelist) + 8
	if l.partial != ^uint64(0) {
		l.size = max(l.size, l.partial+8)
	}
	return l, nil
}

// maxCPUPartial bounds a CPU partial chain walk.
const maxCPUPartial = 4096

// readCPUState reads every CPU's active slab, freelist and partial chain
// of cache c.
func (s *SLUB) readCPUState(c *Cache, l cpuLayout) *cpuState {
	st := &cpuState{active: map[uint64]cpuSlabRef{}, partial: map[uint64]int{}}
	buf := make([]byte, l.size)
	for cpu, off := range s.cpuOff {
		at := c.CPUSlab + off
		if _, err := s.k.Mem.ReadAt(buf, at); err != nil {
			st.findings = append(st.findings, kernel.Finding{Kind: kernel.KindUnreadable, Severity: kernel.Warning,
				Addr: at, Cache: c.Name, Path: fmt.Sprintf("%s -> cpu_slab[%d]", c.Path, cpu), Found: err.Error()})
			continue
		}
		le := binary.LittleEndian
		if sl := le.Uint64(buf[l.slab:]); sl != 0 {
			st.active[sl] = cpuSlabRef{cpu: cpu, freelist: le.Uint64(buf[l.freelist:]), headAt: at + l.freelist}
		}
		if l.partial != ^uint64(0) {
			s.walkCPUPartial(c, st, cpu, le.Uint64(buf[l.partial:]))
		}
	}
	return st
}

func (s *SLUB) walkCPUPartial(c *Cache, st *cpuState, cpu int, sl uint64) {
	for n := 0; sl != 0; n++ {
		path := fmt.Sprintf("%s -> cpu_slab[%d].partial #%d", c.Path, cpu, n)
		if _, dup := st.partial[sl]; dup || n >= maxCPUPartial {
			st.findings = append(st.findings, kernel.Finding{Kind: kernel.KindBadSlabLink, Severity: kernel.Corrupt,
				Addr: sl, Slab: sl, Cache: c.Name, Path: path, Expected: "a chain ending in NULL", Found: "a slab seen before (cycle)"})
			return
		}
		st.partial[sl] = cpu
		next, err := s.k.ReadU64(sl + s.lay.next)
		if err != nil {
			st.findings = append(st.findings, kernel.Finding{Kind: kernel.KindBadSlabLink, Severity: kernel.Corrupt,
				Addr: sl, Slab: sl, Cache: c.Name, Path: path, Expected: "a readable struct slab", Found: err.Error()})
			return
		}
		sl = next
	}
}

// cpuStates reads the per-CPU state of every cache once.
func (s *SLUB) cpuStates() map[uint64]*cpuState {
	s.cpuOnce.Do(func() {
		s.cpu = map[uint64]*cpuState{}
		l, err := s.cpuLayout()
		if err != nil {
			return
		}
		for _, c := range s.caches {
			s.cpu[c.Addr] = s.readCPUState(c, l)
		}
	})
	return s.cpu
}
