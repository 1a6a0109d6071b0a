package slab

import (
	"context"
	"fmt"
	"sort"
)

// Info is one line of slabinfo: what the memory map and the per-CPU
// freelists say about a cache.
type Info struct {
	Name    string     `json:"name"`
	Addr    uint64     `json:"-"`
	ObjSize uint64     `json:"objsize"` // s->object_size
	Size    uint64     `json:"size"`    // s->size, the stride
	PerSlab uint64     `json:"per_slab"`
	Order   uint64     `json:"order"`
	Slabs   uint64     `json:"slabs"`
	Objects uint64     `json:"objects"` // total object slots in its slabs
	Active  uint64     `json:"active"`  // allocated: in use minus per-CPU free
	Memory  uint64     `json:"memory"`  // bytes of slab pages
	Aliases int        `json:"aliases"` // merged caches sharing it
	Nodes   []NodeInfo `json:"nodes"`   // the kernel's own per-node counters
}

// NodeInfo is what one kmem_cache_node says (not what kdx counted: Check
// compares the two).
type NodeInfo struct {
	Node         int    `json:"node"`
	NrPartial    uint64 `json:"nr_partial"`
	NrSlabs      uint64 `json:"nr_slabs"`      // CONFIG_SLUB_DEBUG
	TotalObjects uint64 `json:"total_objects"` // CONFIG_SLUB_DEBUG
}

// Slabinfo computes every cache's line from one memory-map scan.
func (s *SLUB) Slabinfo(ctx context.Context) ([]Info, error) {
	mm, err := s.memmap(ctx)
	if err != nil {
		return nil, err
	}
	s.probeVariant(mm)
	cpus := s.cpuStates()
	out := make([]Info, 0, len(s.caches))
	for _, c := range s.caches {
		in := Info{Name: c.Name, Addr: c.Addr, ObjSize: c.ObjectSize, Size: c.Size, PerSlab: c.PerSlab, Order: c.Order, Aliases: c.Aliases}
		for _, i := range mm.byCache[c.Addr] {
			r := &mm.slabs[i]
			if s.inKfence(r.pfn) {
				continue
			}
			in.Slabs++
			in.Objects += s.lay.objects.get(r.counters)
			in.Active += s.lay.inuse.get(r.counters)
			in.Memory += s.lay.page << r.order
		}
		in.Active -= min(in.Active, s.cpuFree(c, cpus[c.Addr], mm))
		in.Nodes = s.nodeInfo(c)
		out = append(out, in)
	}
	return out, nil
}

// cpuFree counts the objects on the CPUs' lockless freelists of c, which
// the slabs count as in use.
func (s *SLUB) cpuFree(c *Cache, cs *cpuState, mm *memmap) uint64 {
	if cs == nil {
		return 0
	}
	var n uint64
	for sl, ref := range cs.active {
		pfn, ok := s.lay.pfnOfSlab(sl)
		if !ok || ref.freelist == 0 {
			continue
		}
		i := mm.find(pfn)
		if i < 0 {
			continue
		}
		r := &mm.slabs[i]
		objects := s.lay.objects.get(r.counters)
		v := slabView{base: s.lay.base(pfn), objects: objects, size: c.Size, offset: c.Offset, redLeft: c.RedLeftPad, random: c.Random}
		for p, k := ref.freelist, uint64(0); p != 0 && k < objects; k++ {
			if _, ok := v.index(p); !ok {
				break
			}
			n++
			stored, err := s.k.ReadU64(p + c.Offset)
			if err != nil {
				break
			}
			p = decodeFree(stored, c.Random, p+c.Offset, s.lay.hardened, s.swab)
		}
	}
	return n
}

// SortInfo orders slabinfo lines: "size" (memory, largest first), "name",
// or "objects" (total objects, most first).
func SortInfo(in []Info, by string) error {
	var less func(a, b Info) bool
	switch by {
	case "", "size", "memory":
		less = func(a, b Info) bool { return a.Memory > b.Memory }
	case "name":
		less = func(a, b Info) bool { return a.Name < b.Name }
	case "objects":
		less = func(a, b Info) bool { return a.Objects > b.Objects }
	default:
		return fmt.Errorf("unknown sort key %q (want size, name or objects)", by)
	}
	sort.SliceStable(in, func(i, j int) bool {
		if less(in[i], in[j]) != less(in[j], in[i]) {
			return less(in[i], in[j])
		}
		return in[i].Name < in[j].Name
	})
	return nil
}

// nodeInfo reads each node's counters of c; unreadable nodes are left out.
func (s *SLUB) nodeInfo(c *Cache) []NodeInfo {
	var out []NodeInfo
	for n, addr := range c.Nodes {
		if addr == 0 {
			continue
		}
		v, err := s.k.Object("struct kmem_cache_node", addr, fmt.Sprintf("%s -> node[%d]", c.Path, n))
		if err != nil {
			continue
		}
		ni := NodeInfo{Node: n}
		_ = readUint(v, "nr_partial", &ni.NrPartial)
		_ = readUint(v, "nr_slabs.counter", &ni.NrSlabs)
		_ = readUint(v, "total_objects.counter", &ni.TotalObjects)
		out = append(out, ni)
	}
	return out
}
