package slab

import (
	"context"

	"github.com/kdx-dev/kdx/kernel"
)

// ObjectAt says which slab object holds addr (a direct-map address):
// cache, slab, object start and offset, and whether the object is free
// (on the slab's or its CPU's freelist). It scans the memory map on first
// use. ok is false for an address outside every slab.
func (s *SLUB) ObjectAt(addr uint64) (kernel.SlabObject, bool) {
	l := s.lay
	if addr < l.pageOffset {
		return kernel.SlabObject{}, false
	}
	mm, err := s.memmap(context.Background())
	if err != nil {
		return kernel.SlabObject{}, false
	}
	pfn := (addr - l.pageOffset) / l.page
	i := mm.find(pfn)
	if i < 0 {
		return kernel.SlabObject{}, false
	}
	r := &mm.slabs[i]
	c := s.byAddr[r.cache]
	if c == nil || s.inKfence(r.pfn) {
		return kernel.SlabObject{}, false
	}
	base := l.base(r.pfn) + c.RedLeftPad
	objects := l.objects.get(r.counters)
	if addr < base || (addr-base)/c.Size >= objects {
		return kernel.SlabObject{}, false
	}
	idx := (addr - base) / c.Size
	o := kernel.SlabObject{Cache: c.Name, CacheAddr: c.Addr, Slab: l.slabOfPFN(r.pfn),
		Object: base + idx*c.Size, Offset: (addr - base) % c.Size, Size: c.Size}
	if bm, ok := s.freeMap(int32(i), r, c); ok {
		o.Free, o.Known = bm[idx/64]&(1<<(idx%64)) != 0, true
	}
	return o, true
}

// freeMap is the bitmap of free objects of one slab (slab and per-CPU
// freelists), computed once per slab and kept.
func (s *SLUB) freeMap(i int32, r *slabRec, c *Cache) ([]uint64, bool) {
	s.freeMu.Lock()
	bm, ok := s.free[i]
	s.freeMu.Unlock()
	if ok {
		return bm, bm != nil
	}
	s.probeVariant(s.mm)
	l := s.lay
	objects := l.objects.get(r.counters)
	sl := l.slabOfPFN(r.pfn)
	j := slabJob{c: c, idx: i}
	if cs := s.cpuStates()[c.Addr]; cs != nil {
		if ref, ok := cs.active[sl]; ok {
			j.loc, j.cpu = cpuSlab, ref
		}
	}
	sc := &scratch{mark: make([]uint8, objects), data: make([]byte, l.page<<r.order)}
	if uint64(len(sc.data)) > maxSlabBytes {
		return nil, false
	}
	v := slabView{base: l.base(r.pfn), objects: objects, size: c.Size, offset: c.Offset, redLeft: c.RedLeftPad, random: c.Random}
	if _, err := s.k.Dump.ReadPhys(sc.data, r.pfn*l.page); err == nil {
		v.data = sc.data
	}
	w := v.walkFreelist(r.freelist, 0, sc.mark, 1, l.hardened, s.swab)
	if j.loc == cpuSlab {
		v.walkFreelist(j.cpu.freelist, 0, sc.mark, 2, l.hardened, s.swab)
	}
	if v.data == nil && r.freelist != 0 {
		_ = w
		bm = nil
	} else {
		bm = make([]uint64, (objects+63)/64)
		for k, m := range sc.mark {
			if m != 0 {
				bm[k/64] |= 1 << (k % 64)
			}
		}
	}
	s.freeMu.Lock()
	if s.free == nil {
		s.free = map[int32][]uint64{}
	}
	s.free[i] = bm
	s.freeMu.Unlock()
	return bm, bm != nil
}
