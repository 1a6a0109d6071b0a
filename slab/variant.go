package slab

// probeSlabs bounds how many slabs the variant probe decodes.
const probeSlabs = 256

// probeVariant decides once whether hardened free pointers mix in the
// byte-swapped (5.7+) or the plain address of the stored word, by decoding
// real freelists both ways and keeping the variant whose pointers land on
// object boundaries inside their slab. Unhardened kernels need no probe.
func (s *SLUB) probeVariant(mm *memmap) {
	s.variantOnce.Do(func() {
		s.swab = true
		if !s.lay.hardened {
			return
		}
		votes := [2]int{}
		tried := 0
		buf := make([]byte, 8)
		for i := range mm.slabs {
			r := &mm.slabs[i]
			c := s.byAddr[r.cache]
			if c == nil || r.freelist == 0 || s.inKfence(r.pfn) || tried >= probeSlabs {
				continue
			}
			objects := s.lay.objects.get(r.counters)
			v := slabView{base: s.lay.base(r.pfn), objects: objects, size: c.Size, offset: c.Offset, redLeft: c.RedLeftPad, random: c.Random}
			if _, ok := v.index(r.freelist); !ok || objects-s.lay.inuse.get(r.counters) < 2 {
				continue
			}
			at := r.freelist + c.Offset
			if _, err := s.k.Mem.ReadAt(buf, at); err != nil {
				continue
			}
			tried++
			stored := leU64(buf)
			for k, swab := range []bool{false, true} {
				if _, ok := v.index(decodeFree(stored, c.Random, at, true, swab)); ok {
					votes[k]++
				}
			}
		}
		s.swab = votes[1] >= votes[0]
	})
}

func leU64(b []byte) uint64 {
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// Variant names the freelist encoding found: "plain", "hardened (swab)"
// or "hardened (no swab)". It is known after Check or Slabinfo.
func (s *SLUB) Variant() string {
	switch {
	case !s.lay.hardened:
		return "plain"
	case s.swab:
		return "hardened (swab)"
	}
	return "hardened (no swab)"
}
