package slab

import (
	"context"
	"fmt"

	"github.com/kdx-dev/kdx/kernel"
)

// SlabInfo is one slab of a cache, for a per-slab listing (crash's
// `kmem -S`): where the allocator keeps it and its counters as stored.
type SlabInfo struct {
	Addr    uint64 // struct slab *
	Base    uint64 // the first object (after red_left_pad)
	Where   string // "cpu 0", "cpu 0 partial", "node 0 partial", "full", "no list"
	Order   uint8
	Objects uint64
	InUse   uint64
	Frozen  bool
}

// Slabs lists every slab of the named cache found in the memory map, in
// page-frame order, with where each is (the per-CPU and node lists are
// read, not verified: Check does that).
func (s *SLUB) Slabs(ctx context.Context, cache string) ([]SlabInfo, error) {
	c, ok := s.Cache(cache)
	if !ok {
		return nil, fmt.Errorf("no slab cache named %q", cache)
	}
	mm, err := s.memmap(ctx)
	if err != nil {
		return nil, err
	}
	cs := s.cpuStates()[c.Addr]
	jobs, nodes, _ := s.planCache(c, mm, cs)
	nodeOf := map[uint64]int{}
	for _, ns := range nodes {
		for _, sl := range ns.partial {
			nodeOf[sl] = ns.node
		}
	}
	out := make([]SlabInfo, 0, len(jobs))
	for _, j := range jobs {
		r := &mm.slabs[j.idx]
		sl := s.lay.slabOfPFN(r.pfn)
		in := SlabInfo{Addr: sl, Base: s.lay.base(r.pfn) + c.RedLeftPad, Order: r.order,
			Objects: s.lay.objects.get(r.counters), InUse: s.lay.inuse.get(r.counters), Frozen: s.lay.frozen.get(r.counters) == 1}
		switch j.loc {
		case cpuSlab:
			in.Where = fmt.Sprintf("cpu %d", j.cpu.cpu)
		case cpuPartial:
			in.Where = fmt.Sprintf("cpu %d partial", cs.partial[sl])
		case nodePartial:
			in.Where = fmt.Sprintf("node %d partial", nodeOf[sl])
		default:
			in.Where = "full"
			if in.InUse < in.Objects {
				in.Where = "no list"
			}
		}
		out = append(out, in)
	}
	return out, nil
}

// ObjectInfo is one object of a slab.
type ObjectInfo struct {
	Addr      uint64
	Free      bool
	CPUFree   bool // on the owning CPU's lockless freelist
	FreeIndex int  // position on its freelist (0 = head), -1 when allocated
}

// Objects lists the objects of one slab (a struct slab address) with
// their free state and freelist positions, and what verifying that slab
// found. Objects past a broken freelist read as allocated.
func (s *SLUB) Objects(slab uint64) ([]ObjectInfo, []kernel.Finding, error) {
	mm, err := s.memmap(context.Background())
	if err != nil {
		return nil, nil, err
	}
	s.probeVariant(mm)
	pfn, ok := s.lay.pfnOfSlab(slab)
	i := mm.find(pfn)
	if !ok || i < 0 || mm.slabs[i].pfn != pfn {
		return nil, nil, fmt.Errorf("%#x is not the struct slab of a slab page", slab)
	}
	r := &mm.slabs[i]
	c := s.byAddr[r.cache]
	if c == nil {
		return nil, nil, fmt.Errorf("slab %#x: slab_cache %#x is not on slab_caches", slab, r.cache)
	}
	j := slabJob{c: c, idx: int32(i)}
	jobs, _, _ := s.planCache(c, mm, s.cpuStates()[c.Addr]) // where it is decides what is checked
	for _, pj := range jobs {
		if pj.idx == j.idx {
			j = pj
		}
	}
	sc := &scratch{mark: make([]uint8, 1<<15), data: make([]byte, min(s.lay.page<<r.order, maxSlabBytes))}
	o := s.verifySlab(j, r, sc, true, nil)
	objects := min(o.objects, 1<<15)
	order := s.freeOrder(j, r, c, sc, objects)
	out := make([]ObjectInfo, objects)
	base := s.lay.base(r.pfn) + c.RedLeftPad
	for k := range out {
		out[k] = ObjectInfo{Addr: base + uint64(k)*c.Size, FreeIndex: order[k]}
		out[k].Free = sc.mark[k] != 0
		out[k].CPUFree = sc.mark[k] == 2
	}
	return out, o.findings, nil
}

// freeOrder gives each object's position on its freelist (-1 when not on
// one), walking again over the slab bytes verifySlab left in sc.
func (s *SLUB) freeOrder(j slabJob, r *slabRec, c *Cache, sc *scratch, objects uint64) []int {
	order := make([]int, objects)
	for k := range order {
		order[k] = -1
	}
	v := slabView{base: s.lay.base(r.pfn), objects: objects, size: c.Size, offset: c.Offset, redLeft: c.RedLeftPad, random: c.Random,
		data: sc.data[:min(uint64(len(sc.data)), s.lay.page<<r.order)]}
	heads := []uint64{r.freelist}
	if j.loc == cpuSlab {
		heads = append(heads, j.cpu.freelist)
	}
	for _, p := range heads {
		for n := 0; p != 0 && uint64(n) < objects; n++ {
			i, ok := v.index(p)
			if !ok || order[i] >= 0 {
				break
			}
			order[i] = n
			if p, _, ok = v.nextFree(p, s.lay.hardened, s.swab); !ok {
				break
			}
		}
	}
	return order
}
