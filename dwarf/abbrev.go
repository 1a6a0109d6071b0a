package dwarf

import "fmt"

// attrSpec is one attribute of an abbreviation.
type attrSpec struct {
	attr uint16
	form uint16
	ic   int64 // DW_FORM_implicit_const value
}

// abbrev is one abbreviation declaration.
type abbrev struct {
	tag      uint16
	children bool
	attrs    []attrSpec
	// fixed is the byte size of a DIE's attributes when every form has a
	// fixed size for this unit's address and offset sizes, or -1. The
	// scanner skips such DIEs with one addition.
	fixed int
	// named: the DIE has DW_AT_name or DW_AT_specification; located: it
	// has DW_AT_location. The scanner skips DIEs it could not index
	// (anonymous types, extern declarations) without decoding them.
	named, located bool
}

// abbrevTable maps abbreviation codes to declarations. Compilers number
// codes densely from 1, so a slice serves; other codes fall back to a map.
type abbrevTable struct {
	dense  []*abbrev
	sparse map[uint64]*abbrev
	// Arenas: declarations and their attributes, so a table costs a few
	// allocations rather than two per declaration.
	decls []abbrevDecl
	specs []attrSpec
}

type abbrevDecl struct {
	code       uint64
	a          abbrev
	start, end int
}

func (t *abbrevTable) get(code uint64) *abbrev {
	if code < uint64(len(t.dense)) {
		return t.dense[code]
	}
	return t.sparse[code]
}

type abbrevKey struct {
	off      uint64
	addrSize uint8
	offSize  uint8
}

// abbrevsFor returns the (cached) abbreviation table of a unit.
func (d *debugData) abbrevsFor(u *unit) (*abbrevTable, error) {
	k := abbrevKey{u.abbrevOff, u.addrSize, u.offSize}
	d.abbrevMu.Lock()
	t, ok := d.abbrevs[k]
	d.abbrevMu.Unlock()
	if ok {
		return t, nil
	}
	t, err := parseAbbrevs(d.abbrev, u)
	if err != nil {
		return nil, fmt.Errorf("%s: .debug_abbrev+%#x (unit at .debug_info+%#x): %w", d.name, u.abbrevOff, u.off, err)
	}
	d.abbrevMu.Lock()
	if d.abbrevs == nil {
		d.abbrevs = make(map[abbrevKey]*abbrevTable)
	}
	d.abbrevs[k] = t
	d.abbrevMu.Unlock()
	return t, nil
}

// maxDenseAbbrev bounds the slice an abbreviation code may size.
const maxDenseAbbrev = 1 << 16

func parseAbbrevs(sec []byte, u *unit) (*abbrevTable, error) {
	t := &abbrevTable{}
	return t, t.parse(sec, u)
}

// parse fills t from the table at u's abbreviation offset, reusing t's
// memory: the scanner keeps one table per worker, since a vmlinux has a
// table per unit and keeping them all would cost over 100 MB.
func (t *abbrevTable) parse(sec []byte, u *unit) error {
	if u.abbrevOff >= uint64(len(sec)) {
		return fmt.Errorf("offset beyond section end %#x", len(sec))
	}
	c := cursor{b: sec, pos: int(u.abbrevOff)}
	t.decls, t.specs = t.decls[:0], t.specs[:0]
	clear(t.dense)
	t.dense = t.dense[:0]
	t.sparse = nil
	for {
		code := c.uleb()
		if c.err != nil {
			return c.err
		}
		if code == 0 {
			break
		}
		d := abbrevDecl{code: code, a: abbrev{tag: uint16(c.uleb()), children: c.u8() != 0}, start: len(t.specs)}
		for {
			attr, form := c.uleb(), c.uleb()
			if c.err != nil {
				return c.err
			}
			if attr == 0 && form == 0 {
				break
			}
			s := attrSpec{attr: uint16(attr), form: uint16(form)}
			if form == formImplicitConst {
				s.ic = c.sleb()
			}
			t.specs = append(t.specs, s)
		}
		d.end = len(t.specs)
		t.decls = append(t.decls, d)
	}
	for i := range t.decls {
		d := &t.decls[i]
		d.a.attrs = t.specs[d.start:d.end:d.end]
		d.a.fixed = fixedSize(d.a.attrs, u)
		for _, s := range d.a.attrs {
			switch s.attr {
			case atName, atSpecification:
				d.a.named = true
			case atLocation:
				d.a.located = true
			}
		}
		t.put(d.code, &d.a)
	}
	return nil
}

func (t *abbrevTable) put(code uint64, a *abbrev) {
	if code < maxDenseAbbrev && code <= uint64(len(t.dense))+64 {
		if uint64(len(t.dense)) <= code {
			t.dense = append(t.dense, make([]*abbrev, int(code)+1-len(t.dense))...)
		}
		t.dense[code] = a
		return
	}
	if t.sparse == nil {
		t.sparse = make(map[uint64]*abbrev)
	}
	t.sparse[code] = a
}

func fixedSize(attrs []attrSpec, u *unit) int {
	n := 0
	for _, a := range attrs {
		s := formSize(a.form, u)
		if s < 0 {
			return -1
		}
		n += s
	}
	return n
}

// formSize is the encoded size of a form in a unit, or -1 when it varies.
func formSize(form uint16, u *unit) int {
	switch form {
	case formFlagPresent, formImplicitConst:
		return 0
	case formData1, formRef1, formFlag, formStrx1, formAddrx1:
		return 1
	case formData2, formRef2, formStrx2, formAddrx2:
		return 2
	case formStrx3, formAddrx3:
		return 3
	case formData4, formRef4, formStrx4, formAddrx4, formRefSup4:
		return 4
	case formData8, formRef8, formRefSig8, formRefSup8:
		return 8
	case formData16:
		return 16
	case formAddr:
		return int(u.addrSize)
	case formRefAddr:
		if u.version <= 2 {
			return int(u.addrSize)
		}
		return int(u.offSize)
	case formStrp, formLineStrp, formSecOffset, formStrpSup, formGNURefAlt, formGNUStrpAlt:
		return int(u.offSize)
	}
	return -1
}
