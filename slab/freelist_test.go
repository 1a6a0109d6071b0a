package slab

import (
	"encoding/binary"
	"testing"
)

const testBase = 0xffff888000100000

// syntheticSlab builds a slab whose every object is free, linked in
// reverse order, with hardened (swab) pointers; it returns the head.
func syntheticSlab(objects, size, offset, random uint64, swab bool) (*slabView, uint64) {
	v := &slabView{base: testBase, objects: objects, size: size, offset: offset, random: random,
		data: make([]byte, objects*size)}
	next := uint64(0)
	for i := uint64(0); i < objects; i++ {
		obj := v.base + i*size
		at := obj + offset
		binary.LittleEndian.PutUint64(v.data[i*size+offset:], decodeFree(next, random, at, true, swab))
		next = obj
	}
	return v, next
}

func TestWalkFreelist(t *testing.T) {
	const n, size, off, rnd = 16, 64, 32, 0x5555aaaa12345678
	put := func(v *slabView, obj, val uint64) {
		binary.LittleEndian.PutUint64(v.data[obj-v.base+v.offset:], decodeFree(val, rnd, obj+v.offset, true, true))
	}
	for _, tc := range []struct {
		name   string
		damage func(v *slabView, head uint64)
		count  uint64
		bad    uint64 // expected bad pointer, 0 for a complete walk
		cycle  bool
	}{
		{"sound", func(*slabView, uint64) {}, n, 0, false},
		{"outside", func(v *slabView, h uint64) { put(v, h, 0x4141414141414141) }, 1, 0x4141414141414141, false},
		{"off boundary", func(v *slabView, h uint64) { put(v, h, testBase+8) }, 1, testBase + 8, false},
		{"past objects", func(v *slabView, h uint64) { put(v, h, testBase+n*size) }, 1, testBase + n*size, false},
		{"cycle", func(v *slabView, h uint64) { put(v, h-size, h) }, 2, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, head := syntheticSlab(n, size, off, rnd, true)
			tc.damage(v, head)
			mark := make([]uint8, n)
			r := v.walkFreelist(head, 0, mark, 1, true, true)
			if r.count != tc.count || r.cycle != tc.cycle || (tc.bad != 0 && r.bad != tc.bad) || r.complete != (tc.bad == 0 && !tc.cycle) {
				t.Errorf("walk = %+v, want count %d bad %#x cycle %v", r, tc.count, tc.bad, tc.cycle)
			}
		})
	}
}

func TestDecodeVariants(t *testing.T) {
	const ptr, rnd, at = 0xffff888000100040, 0x1111222233334444, 0xffff888000100020
	for _, swab := range []bool{false, true} {
		if got := decodeFree(decodeFree(ptr, rnd, at, true, swab), rnd, at, true, swab); got != ptr {
			t.Errorf("swab=%v: round trip %#x", swab, got)
		}
	}
	if decodeFree(ptr, rnd, at, false, true) != ptr {
		t.Error("unhardened pointer changed")
	}
	if decodeFree(ptr^rnd^at, rnd, at, true, false) != ptr {
		t.Error("plain variant is ptr ^ random ^ addr")
	}
}

func TestBitfield(t *testing.T) {
	// inuse:16, objects:15, frozen:1 as in 6.1's struct slab counters.
	in, ob, fr := bitfield{0, 16}, bitfield{16, 15}, bitfield{31, 1}
	w := uint64(1)<<31 | 21<<16 | 20
	if in.get(w) != 20 || ob.get(w) != 21 || fr.get(w) != 1 {
		t.Errorf("decoded %d %d %d", in.get(w), ob.get(w), fr.get(w))
	}
}

// FuzzWalkFreelist feeds arbitrary slab bytes and heads to the freelist
// walker: it must stop within objects steps and never read out of bounds.
func FuzzWalkFreelist(f *testing.F) {
	v, head := syntheticSlab(8, 64, 32, 7, true)
	f.Add(v.data, head, uint64(7), uint8(64), uint8(32))
	f.Fuzz(func(t *testing.T, data []byte, head, random uint64, size, offset uint8) {
		if size < 8 {
			return
		}
		objects := uint64(len(data)) / uint64(size)
		v := slabView{base: testBase, objects: objects, size: uint64(size), offset: uint64(offset), random: random, data: data}
		mark := make([]uint8, objects)
		r := v.walkFreelist(head, 0, mark, 1, true, true)
		if r.count > objects {
			t.Fatalf("walked %d of %d objects", r.count, objects)
		}
	})
}

// FuzzParseRange decodes arbitrary struct page bytes as the memory-map
// scan does.
func FuzzParseRange(f *testing.F) {
	f.Add(make([]byte, 64*3))
	f.Fuzz(func(t *testing.T, b []byte) {
		l := &layout{pageSize: 64, flags: 0, list: 8, next: 8, cache: 24, freelist: 32, counters: 40,
			order: 48, orderSize: 1, pgSlab: 9, pgHead: 16, page: 4096}
		s := &SLUB{lay: l}
		n := uint64(len(b)) / 64
		if n < 2 {
			return
		}
		out := s.parseRange(b[:n*64], 0, n-1, nil)
		for _, r := range out {
			if r.flags&(1<<9) == 0 || r.pfn >= n-1 {
				t.Fatalf("bad record %+v", r)
			}
		}
	})
}
