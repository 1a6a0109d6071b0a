package slab

import (
	"encoding/binary"
	"math/bits"
)

// decodeFree turns a stored free pointer into the next free object. With
// SLAB_FREELIST_HARDENED the kernel stores ptr ^ s->random ^ ptr_addr,
// where ptr_addr (the address of the stored word) is byte-swapped since
// 5.7; swab says which variant this kernel uses.
func decodeFree(stored, random, ptrAddr uint64, hardened, swab bool) uint64 {
	if !hardened {
		return stored
	}
	if swab {
		ptrAddr = bits.ReverseBytes64(ptrAddr)
	}
	return stored ^ random ^ ptrAddr
}

// slabView is one slab's geometry and, when read, its bytes.
type slabView struct {
	base    uint64 // address of the first byte
	objects uint64
	size    uint64
	offset  uint64 // free pointer offset inside an object
	redLeft uint64
	random  uint64
	data    []byte // the slab's bytes; nil when not read
}

// index returns the object index of p, ok false unless p is an object
// start inside the slab (the kernel's check_valid_pointer).
func (v *slabView) index(p uint64) (uint64, bool) {
	if p < v.redLeft {
		return 0, false
	}
	q := p - v.redLeft
	if q < v.base || q >= v.base+v.objects*v.size || (q-v.base)%v.size != 0 {
		return 0, false
	}
	return (q - v.base) / v.size, true
}

// nextFree reads and decodes the free pointer stored in object p.
func (v *slabView) nextFree(p uint64, hardened, swab bool) (next, stored uint64, ok bool) {
	off := p - v.base + v.offset
	if v.data == nil || off+8 > uint64(len(v.data)) {
		return 0, 0, false
	}
	stored = binary.LittleEndian.Uint64(v.data[off:])
	return decodeFree(stored, v.random, p+v.offset, hardened, swab), stored, true
}

// walkResult says how a freelist walk ended.
type walkResult struct {
	count    uint64
	badAt    uint64 // address of the word holding the bad pointer
	bad      uint64 // the bad (decoded) pointer
	stored   uint64 // its stored form
	cycle    bool   // bad is an object already on a freelist
	other    bool   // bad is on the other (per-CPU vs slab) freelist
	complete bool
}

// walkFreelist follows a freelist from head (a raw, undecoded pointer
// held at headAt), marking each object in mark with tag. It stops at the
// first pointer that is outside the slab, off an object boundary, or
// already marked, and never takes more than objects steps.
func (v *slabView) walkFreelist(head, headAt uint64, mark []uint8, tag uint8, hardened, swab bool) walkResult {
	var r walkResult
	p, at, stored := head, headAt, head
	for p != 0 {
		i, ok := v.index(p)
		if !ok {
			r.badAt, r.bad, r.stored = at, p, stored
			return r
		}
		if mark[i] != 0 {
			r.badAt, r.bad, r.stored, r.cycle, r.other = at, p, stored, mark[i] == tag, mark[i] != tag
			return r
		}
		mark[i] = tag
		r.count++
		next, st, ok := v.nextFree(p, hardened, swab)
		if !ok {
			return r // slab bytes unavailable: count what was seen
		}
		p, at, stored = next, p+v.offset, st
	}
	r.complete = true
	return r
}
