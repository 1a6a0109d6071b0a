package dwarf

import "fmt"

// entry is one decoded DIE, for the lazy type decoder (the indexer uses a
// faster path that decodes only what it keeps).
type entry struct {
	off      uint64
	tag      uint16
	children bool
	next     uint64 // offset just past this DIE's attributes
	fields   []field
}

type field struct {
	attr uint16
	v    val
}

func (e *entry) val(attr uint16) (val, bool) {
	for i := range e.fields {
		if e.fields[i].attr == attr {
			return e.fields[i].v, true
		}
	}
	return val{}, false
}

func (e *entry) name() string {
	v, _ := e.val(atName)
	return string(v.b)
}

// uint returns a constant attribute, or def when absent.
func (e *entry) uint(attr uint16, def int64) int64 {
	v, ok := e.val(attr)
	if !ok {
		return def
	}
	return v.int()
}

func (e *entry) flag(attr uint16) bool {
	v, ok := e.val(attr)
	return ok && v.u != 0
}

// entryAt decodes the DIE at off (an absolute .debug_info offset). It
// returns a nil entry for a null DIE (end of a sibling list).
func (d *debugData) entryAt(off uint64) (*entry, *unit, error) {
	if d.closed.Load() {
		return nil, nil, fmt.Errorf("%s: %w", d.name, ErrClosed)
	}
	u, ok := d.unitAt(off)
	if !ok {
		return nil, nil, fmt.Errorf("%s: .debug_info+%#x: offset outside every unit", d.name, off)
	}
	e, err := d.entryIn(u, off)
	return e, u, err
}

func (d *debugData) entryIn(u *unit, off uint64) (*entry, error) {
	tab, err := d.abbrevsFor(u)
	if err != nil {
		return nil, err
	}
	return d.entryWith(u, tab, off)
}

// entryWith decodes the DIE at off with u's abbreviation table. A lone DIE
// of a vmlinux whose unit is not cached is read through a small window
// (see unitBytes for why not the mapping): a variable's type, say, needs a
// few DIEs of a unit that may be megabytes long.
func (d *debugData) entryWith(u *unit, tab *abbrevTable, off uint64) (*entry, error) {
	if ub, ok := d.cachedUnit(u); ok {
		return d.entryIn2(ub, u, tab, off)
	}
	if e, ok := d.entryWindow(u, tab, off); ok {
		return e, nil
	}
	ub, err := d.unitBytes(u)
	if err != nil {
		return nil, err
	}
	return d.entryIn2(ub, u, tab, off)
}

// dieWindow is how many bytes entryWindow reads; a DIE longer than this
// (a long inline string or location block) is read with its unit.
const dieWindow = 512

// entryWindow decodes the DIE at off from dieWindow bytes read there; ok
// is false when the DIE does not fit or the read fails (the caller then
// reads the unit and reports any error).
func (d *debugData) entryWindow(u *unit, tab *abbrevTable, off uint64) (*entry, bool) {
	if d.infoAt == nil || off < u.off || off >= u.end {
		return nil, false
	}
	w := make([]byte, min(dieWindow, u.end-off))
	if _, err := d.infoAt.ReadAt(w, int64(off)); err != nil {
		return nil, false
	}
	e, err := d.entryFrom(w, off, u, tab, off)
	return e, err == nil
}

// entryIn2 decodes the DIE at absolute offset off from ub, the bytes of
// unit u (a slice of the section, or the scanner's copy of it).
func (d *debugData) entryIn2(ub []byte, u *unit, tab *abbrevTable, off uint64) (*entry, error) {
	if off >= u.end || off < u.off {
		return nil, fmt.Errorf("%s: .debug_info+%#x: outside its unit [%#x, %#x)", d.name, off, u.off, u.end)
	}
	return d.entryFrom(ub, u.off, u, tab, off)
}

// entryFrom decodes the DIE at absolute offset off from b, whose first
// byte is at absolute offset base (u.off for a whole unit).
func (d *debugData) entryFrom(b []byte, base uint64, u *unit, tab *abbrevTable, off uint64) (*entry, error) {
	c := cursor{b: b, pos: int(off - base)}
	code := c.uleb()
	if code == 0 {
		return nil, c.err
	}
	a := tab.get(code)
	if a == nil {
		return nil, fmt.Errorf("%s: .debug_info+%#x: undefined abbreviation code %d", d.name, off, code)
	}
	e := &entry{off: off, tag: a.tag, children: a.children, fields: make([]field, 0, len(a.attrs))}
	for _, s := range a.attrs {
		e.fields = append(e.fields, field{s.attr, d.readVal(&c, u, s.form, s.ic)})
	}
	if c.err != nil {
		return nil, fmt.Errorf("%s: .debug_info+%#x: DIE %#x: %w", d.name, base+uint64(c.pos), off, c.err)
	}
	e.next = base + uint64(c.pos)
	return e, nil
}

// maxChildren bounds a sibling list, against loops on corrupt input.
const maxChildren = 1 << 20

// children calls fn on each direct child of e, skipping grandchildren.
func (d *debugData) children(u *unit, e *entry, fn func(*entry) error) error {
	if !e.children {
		return nil
	}
	tab, err := d.abbrevsFor(u)
	if err != nil {
		return err
	}
	ub, err := d.unitBytes(u) // a sibling list: read the unit once
	if err != nil {
		return err
	}
	off := e.next
	for n := 0; n < maxChildren; n++ {
		k, err := d.entryIn2(ub, u, tab, off)
		if err != nil {
			return err
		}
		if k == nil { // end of the list: the null DIE is one byte
			return nil
		}
		if err := fn(k); err != nil {
			return err
		}
		if off, err = d.skipSubtree(u, k); err != nil {
			return err
		}
	}
	return fmt.Errorf("%s: .debug_info+%#x: more than %d children", d.name, e.off, maxChildren)
}

// skipSubtree returns the offset of k's next sibling.
func (d *debugData) skipSubtree(u *unit, k *entry) (uint64, error) {
	if !k.children {
		return k.next, nil
	}
	if s, ok := k.val(atSibling); ok && s.u > k.off && s.u <= u.end {
		return s.u, nil
	}
	tab, err := d.abbrevsFor(u)
	if err != nil {
		return 0, err
	}
	ub, err := d.unitBytes(u)
	if err != nil {
		return 0, err
	}
	c := cursor{b: ub, pos: int(k.next - u.off)}
	if err := skipDIEs(&c, u, tab, 1); err != nil {
		return 0, fmt.Errorf("%s: .debug_info+%#x: in children of DIE %#x: %w", d.name, u.off+uint64(c.pos), k.off, err)
	}
	return u.off + uint64(c.pos), nil
}

// skipDIEs skips DIEs until depth returns to zero, starting inside a
// children list at the given depth.
func skipDIEs(c *cursor, u *unit, tab *abbrevTable, depth int) error {
	for depth > 0 {
		code := c.uleb()
		if c.err != nil {
			return c.err
		}
		if code == 0 {
			depth--
			continue
		}
		a := tab.get(code)
		if a == nil {
			return fmt.Errorf("undefined abbreviation code %d", code)
		}
		skipAttrs(c, u, a)
		if a.children {
			depth++
		}
	}
	return c.err
}

func skipAttrs(c *cursor, u *unit, a *abbrev) {
	if a.fixed >= 0 {
		c.skip(uint64(a.fixed))
		return
	}
	for _, s := range a.attrs {
		skipVal(c, u, s.form)
	}
}
