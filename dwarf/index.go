package dwarf

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"slices"
	"sort"
)

// index is the deduplicated name index of a binary's DWARF: one entry per
// (kind, name), sorted for binary search. It is what the on-disk cache
// stores, and it is usable straight from the cache file's bytes.
type index struct {
	entries []ientry
	names   []byte
}

// ientry is fixed-size so the cache can be read without parsing.
type ientry struct {
	nameOff uint32
	nameLen uint32
	kind    uint8
	decl    uint8
	_       [6]byte
	die     uint64
	addr    uint64
}

func (ix *index) name(e *ientry) []byte {
	return ix.names[e.nameOff : e.nameOff+e.nameLen]
}

// find returns the entry for a kind and name.
func (ix *index) find(kind uint8, name string) (*ientry, bool) {
	es := ix.entries
	i := sort.Search(len(es), func(i int) bool {
		e := &es[i]
		if e.kind != kind {
			return e.kind > kind
		}
		return string(ix.name(e)) >= name
	})
	if i < len(es) && es[i].kind == kind && string(ix.name(&es[i])) == name {
		return &es[i], true
	}
	return nil, false
}

// count returns the number of entries of a kind.
func (ix *index) count(kind uint8) int {
	n := 0
	for i := range ix.entries {
		if ix.entries[i].kind == kind {
			n++
		}
	}
	return n
}

// mergeIndex joins the workers' records into one index, keeping for each
// (kind, name) the best record (see better).
func mergeIndex(parts [][]rec) *index {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	// Sort by a key of the kind and the name's first 7 bytes, then the
	// name, then preference: the key settles most comparisons cheaply.
	type keyed struct {
		key uint64
		r   *rec
	}
	all := make([]keyed, 0, n)
	for _, p := range parts {
		for i := range p {
			var b [8]byte
			b[0] = p[i].kind
			copy(b[1:], p[i].name)
			all = append(all, keyed{binary.BigEndian.Uint64(b[:]), &p[i]})
		}
	}
	slices.SortFunc(all, func(a, b keyed) int {
		if c := cmp.Compare(a.key, b.key); c != 0 {
			return c
		}
		if c := bytes.Compare(a.r.name, b.r.name); c != 0 {
			return c
		}
		if better(*a.r, *b.r) {
			return -1
		}
		if better(*b.r, *a.r) {
			return 1
		}
		return 0
	})
	ix := &index{}
	for i := range all {
		r := all[i].r
		if i > 0 && all[i-1].r.kind == r.kind && bytes.Equal(all[i-1].r.name, r.name) {
			continue
		}
		e := ientry{nameOff: uint32(len(ix.names)), nameLen: uint32(len(r.name)), kind: r.kind, die: r.die, addr: r.addr}
		if r.decl {
			e.decl = 1
		}
		ix.names = append(ix.names, r.name...)
		ix.entries = append(ix.entries, e)
	}
	return ix
}
