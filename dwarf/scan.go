package dwarf

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// Index kinds: the C namespaces a name can live in, plus variables.
const (
	kindStruct uint8 = 1 + iota
	kindUnion
	kindEnum
	kindTypedef
	kindBase
	kindVar
	kindCount
)

var kindPrefix = [kindCount]string{kindStruct: "struct ", kindUnion: "union ", kindEnum: "enum "}

// rec is one named top-level DIE found by the scan. name points into the
// DWARF sections; nothing is copied until the merge keeps it.
type rec struct {
	name []byte
	strp uint64 // .debug_str offset of the name, or noStrp
	die  uint64
	addr uint64
	kind uint8
	decl bool // a declaration only (incomplete struct, extern variable)
}

const noStrp = ^uint64(0)

func tagKind(tag uint16) uint8 {
	switch tag {
	case tagStructType:
		return kindStruct
	case tagUnionType:
		return kindUnion
	case tagEnumType:
		return kindEnum
	case tagTypedef:
		return kindTypedef
	case tagBaseType:
		return kindBase
	case tagVariable:
		return kindVar
	}
	return 0
}

// scanAll scans every unit with up to GOMAXPROCS workers. Units are handed
// out one at a time (their sizes vary by 1000x). The first error stops the
// scan: a corrupt unit means corrupt DWARF, reported with its offset.
func (d *debugData) scanAll() ([][]rec, error) {
	workers := min(runtime.GOMAXPROCS(0), max(1, len(d.units)))
	out := make([][]rec, workers)
	errs := make([]error, workers)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					errs[w] = fmt.Errorf("%s: DWARF scan: %v", d.name, r)
				}
			}()
			s := scanner{d: d, seen: make(map[uint64]int32, 1<<14)}
			for {
				i := int(next.Add(1) - 1)
				if i >= len(d.units) || errs[w] != nil {
					break
				}
				if err := s.unit(&d.units[i]); err != nil {
					errs[w] = err
					next.Store(int64(len(d.units)))
				}
			}
			out[w] = s.recs
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// scanner is one worker's state. seen deduplicates by (kind, .debug_str
// offset): the linker merges identical strings, so the same struct name in
// a thousand units has one offset.
type scanner struct {
	d    *debugData
	recs []rec
	seen map[uint64]int32
}

func (s *scanner) unit(u *unit) error {
	tab, err := s.d.abbrevsFor(u)
	if err != nil {
		return err
	}
	c := cursor{b: s.d.info[:u.end], pos: int(u.dieOff)}
	code := c.uleb()
	cu := tab.get(code)
	if c.err != nil || cu == nil {
		return fmt.Errorf("%s: .debug_info+%#x: bad unit DIE (abbrev code %d)", s.d.name, u.dieOff, code)
	}
	switch cu.tag {
	case tagCompileUnit, tagPartialUnit:
	default:
		return nil // type units and skeletons carry nothing we index
	}
	skipAttrs(&c, u, cu)
	if !cu.children {
		return c.err
	}
	for c.err == nil && c.pos < len(c.b) {
		off := uint64(c.pos)
		code := c.uleb()
		if code == 0 {
			break // end of the unit's children
		}
		a := tab.get(code)
		if a == nil {
			return fmt.Errorf("%s: .debug_info+%#x: undefined abbreviation code %d", s.d.name, off, code)
		}
		if err := s.die(&c, u, tab, a, off); err != nil {
			return err
		}
	}
	if c.err != nil {
		return fmt.Errorf("%s: .debug_info+%#x: unit at %#x: %w", s.d.name, c.pos, u.off, c.err)
	}
	return nil
}

// die handles one child of the unit DIE: it records it when it is a named
// type or a variable with an address, then moves c past its subtree.
func (s *scanner) die(c *cursor, u *unit, tab *abbrevTable, a *abbrev, off uint64) error {
	kind := tagKind(a.tag)
	sibling := uint64(0)
	if kind == 0 {
		if !a.children {
			skipAttrs(c, u, a)
			return nil
		}
		for _, sp := range a.attrs {
			if sp.attr == atSibling {
				sibling = s.d.readVal(c, u, sp.form, sp.ic).u
			} else {
				skipVal(c, u, sp.form)
			}
		}
	} else {
		r := rec{kind: kind, die: off, strp: noStrp}
		var spec uint64
		hasLoc := false
		for _, sp := range a.attrs {
			switch sp.attr {
			case atName:
				v := s.d.readVal(c, u, sp.form, sp.ic)
				r.name = v.b
				if v.form == formStrp {
					r.strp = v.u
				}
			case atDeclaration:
				r.decl = s.d.readVal(c, u, sp.form, sp.ic).u != 0
			case atSibling:
				sibling = s.d.readVal(c, u, sp.form, sp.ic).u
			case atLocation:
				if kind == kindVar {
					r.addr, hasLoc = locAddr(s.d.readVal(c, u, sp.form, sp.ic), s.d, u)
				} else {
					skipVal(c, u, sp.form)
				}
			case atSpecification:
				spec = s.d.readVal(c, u, sp.form, sp.ic).u
			default:
				skipVal(c, u, sp.form)
			}
		}
		if c.err == nil && (kind != kindVar || hasLoc) {
			if r.name == nil && spec != 0 {
				s.fromSpec(&r, spec)
			}
			if r.name != nil {
				s.add(r)
			}
		}
	}
	if !a.children || c.err != nil {
		return nil
	}
	if sibling > uint64(c.pos) && sibling <= u.end {
		c.pos = int(sibling)
		return nil
	}
	if err := skipDIEs(c, u, tab, 1); err != nil {
		return fmt.Errorf("%s: .debug_info+%#x: in children of DIE %#x: %w", s.d.name, c.pos, off, err)
	}
	return nil
}

// fromSpec names a variable definition that only points at its
// declaration (DW_AT_specification), as GCC emits for globals declared in
// a header.
func (s *scanner) fromSpec(r *rec, spec uint64) {
	e, _, err := s.d.entryAt(spec)
	if err != nil || e == nil {
		return
	}
	if v, ok := e.val(atName); ok {
		r.name = v.b
		if v.form == formStrp {
			r.strp = v.u
		}
	}
}

// add keeps a record unless this worker already has a better one for the
// same name and kind.
func (s *scanner) add(r rec) {
	if r.strp == noStrp || r.strp >= 1<<56 {
		s.recs = append(s.recs, r)
		return
	}
	key := uint64(r.kind)<<56 | r.strp
	if i, ok := s.seen[key]; ok {
		if better(r, s.recs[i]) {
			s.recs[i] = r
		}
		return
	}
	s.seen[key] = int32(len(s.recs))
	s.recs = append(s.recs, r)
}

// better prefers a definition over a declaration, then the lower DIE
// offset, so the result does not depend on how work was split.
func better(a, b rec) bool {
	if a.decl != b.decl {
		return !a.decl
	}
	return a.die < b.die
}

// locAddr extracts a static address from a location expression that is a
// lone DW_OP_addr or DW_OP_addrx.
func locAddr(v val, d *debugData, u *unit) (uint64, bool) {
	if v.form != formExprloc && v.form != formBlock1 && v.form != formBlock {
		return 0, false
	}
	c := cursor{b: v.b}
	switch c.u8() {
	case opAddr:
		a := c.uN(int(u.addrSize))
		return a, c.err == nil && c.pos == len(c.b)
	case opAddrx:
		i := c.uleb()
		return d.addrx(u, i), c.err == nil && c.pos == len(c.b)
	}
	return 0, false
}
