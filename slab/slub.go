package slab

import (
	"context"
	"fmt"
	"sync"

	"github.com/kdx-dev/kdx/kernel"
)

// SLUB is the slab allocator of one crashed kernel: its caches, the slab
// layout and (once scanned) every slab page. Get it with For; methods are
// safe for concurrent use.
type SLUB struct {
	k      *kernel.Kernel
	lay    *layout
	caches []*Cache
	byAddr map[uint64]*Cache
	cpuOff []uint64 // __per_cpu_offset of each possible CPU
	nodes  int
	spans  [][2]uint64 // node_data[n] pfn spans, when nodes > 1

	kfenceLo, kfenceHi uint64 // KFENCE pool: slab pages with foreign rules

	enumFindings []kernel.Finding // problems met walking slab_caches

	scanMu  sync.Mutex
	mm      *memmap
	scanErr error

	variantOnce sync.Once
	swab        bool // hardened pointers mix in swab(ptr_addr)

	cpuOnce sync.Once
	cpu     map[uint64]*cpuState // per cache

	checkMu sync.Mutex   // one Check at a time: the outlier scan state is shared
	sus     *suspectScan // the outlier scan in progress (Check with Suspect)

	scratch sync.Pool // *scratch sized for the largest slab, reused across passes

	freeMu sync.Mutex
	free   map[int32][]uint64 // slab index -> free bitmap, for ObjectAt
}

var (
	forMu sync.Mutex
	forK  = map[*kernel.Kernel]*SLUB{}
)

// For returns the kernel's SLUB state, built once per Kernel (the layout
// probe and cache walk are shared by every caller) and registered as the
// kernel's slab resolver so that whatis can name slab objects.
func For(k *kernel.Kernel) (*SLUB, error) {
	forMu.Lock()
	defer forMu.Unlock()
	if s := forK[k]; s != nil {
		return s, nil
	}
	s, err := open(k)
	if err != nil {
		return nil, err
	}
	forK[k] = s
	k.SetSlabResolver(s.ObjectAt)
	return s, nil
}

func open(k *kernel.Kernel) (*SLUB, error) {
	lay, err := probeLayout(k)
	if err != nil {
		return nil, err
	}
	s := &SLUB{k: k, lay: lay, byAddr: map[uint64]*Cache{}}
	s.nodes = s.readInt("nr_node_ids", 1, 1024)
	if s.nodes > 1 {
		s.spans = s.nodeSpans()
	}
	if err := s.readCPUs(); err != nil {
		return nil, err
	}
	s.readKfence()
	_, _ = k.Modules() // loads the modules' debug info: their caches' types
	caches, fs, err := readCaches(k, s.nodes)
	if err != nil {
		return nil, err
	}
	s.caches, s.enumFindings = caches, fs
	for _, c := range caches {
		s.byAddr[c.Addr] = c
	}
	return s, nil
}

// Caches are the caches on slab_caches, in list order.
func (s *SLUB) Caches() []*Cache { return s.caches }

// Cache finds a cache by name.
func (s *SLUB) Cache(name string) (*Cache, bool) {
	for _, c := range s.caches {
		if c.Name == name {
			return c, true
		}
	}
	return nil, false
}

// readInt reads an integer global, falling back to def when absent or
// out of [1, max].
func (s *SLUB) readInt(name string, def, max int) int {
	v, err := s.k.Global(name)
	if err != nil {
		return def
	}
	n, err := v.Uint()
	if err != nil || n < 1 || n > uint64(max) {
		return def
	}
	return int(n)
}

func (s *SLUB) readCPUs() error {
	n := s.readInt("nr_cpu_ids", 1, 1<<13)
	arr, err := s.k.Global("__per_cpu_offset")
	if err != nil {
		return fmt.Errorf("per-CPU offsets: %w", err)
	}
	for i := 0; i < n; i++ {
		e, err := arr.Index(i)
		if err != nil {
			return fmt.Errorf("per-CPU offsets: %w", err)
		}
		off, err := e.Uint()
		if err != nil {
			return fmt.Errorf("per-CPU offsets: %w", err)
		}
		s.cpuOff = append(s.cpuOff, off)
	}
	return nil
}

// readKfence finds the KFENCE pool: its pages carry PG_slab and a
// slab_cache but hold one object each at a guarded offset, so SLUB's
// invariants do not apply to them.
func (s *SLUB) readKfence() {
	v, err := s.k.Global("__kfence_pool")
	if err != nil {
		return
	}
	pool, err := v.Pointer()
	if err != nil || pool == 0 {
		return
	}
	meta, err := s.k.Global("kfence_metadata")
	if err != nil {
		return
	}
	n, err := meta.Len()
	if err != nil || n <= 0 {
		return
	}
	s.kfenceLo = pool
	s.kfenceHi = pool + uint64(n+1)*2*s.lay.page
}

func (s *SLUB) inKfence(pfn uint64) bool {
	a := s.lay.base(pfn)
	return a >= s.kfenceLo && a < s.kfenceHi
}

// memmap scans the memory map once and returns the slab pages. A scan
// cancelled by its caller's context is not remembered, so that the next
// caller scans again.
func (s *SLUB) memmap(ctx context.Context) (*memmap, error) {
	s.scanMu.Lock()
	defer s.scanMu.Unlock()
	if s.mm != nil || s.scanErr != nil {
		return s.mm, s.scanErr
	}
	mm, err := s.scanMemmap(ctx)
	if err != nil && ctx.Err() != nil {
		return nil, err
	}
	s.mm, s.scanErr = mm, err
	return mm, err
}

// getScratch returns a worker buffer big enough for the largest slab in
// the memory map (capped at maxSlabBytes), reusing one when it can.
func (s *SLUB) getScratch(mm *memmap) *scratch {
	if sc, ok := s.scratch.Get().(*scratch); ok {
		return sc
	}
	var order uint8
	for i := range mm.slabs {
		order = max(order, mm.slabs[i].order)
	}
	n := min(s.lay.page<<order, maxSlabBytes)
	return &scratch{mark: make([]uint8, 1<<15), data: make([]byte, n)}
}
