package dwarf

import (
	"bytes"
	"fmt"
	"runtime"
	"sync"
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

// chunk is a run of consecutive units scanned as one piece of work. Its
// units are its own (the scan fills in their bases); scanAll joins them
// into debugData.units at the end.
type chunk struct {
	units      []unit
	start, end uint64
}

// chunkSize is the amount of .debug_info a worker reads at once.
const chunkSize = 4 << 20

// unitChunks walks the unit headers of .debug_info in file order and
// hands them to emit in chunks of about chunkSize, so the workers start on
// the first chunk while later headers are still coming off a cold disk.
// It stops early when emit returns false. The headers are read with pread
// when d.infoAt is set (see elfFile.sectionReader).
func (d *debugData) unitChunks(emit func(chunk) bool) error {
	var hdr [64]byte
	secLen := uint64(len(d.info))
	var c chunk
	for start := uint64(0); start < secLen; {
		b := d.info[start:min(start+uint64(len(hdr)), secLen)]
		if d.infoAt != nil {
			n, _ := d.infoAt.ReadAt(hdr[:len(b)], int64(start))
			b = hdr[:n]
		}
		u, err := parseUnitHeader(b, start, secLen)
		if err != nil {
			return fmt.Errorf("%s: .debug_info+%#x: %w", d.name, start, err)
		}
		if len(c.units) > 0 && u.end-c.start > chunkSize {
			if !emit(c) {
				return nil
			}
			c = chunk{}
		}
		if len(c.units) == 0 {
			c.start = u.off
		}
		c.units = append(c.units, u)
		c.end, start = u.end, u.end
	}
	if len(c.units) > 0 {
		emit(c)
	}
	return nil
}

// scanAll parses the unit headers and scans every unit with up to
// GOMAXPROCS workers, which take chunks of consecutive units as the
// headers are read (unit sizes vary by 1000x, so static splitting would
// leave a core idle). It sets d.units. The first error stops the scan: a
// corrupt unit means corrupt DWARF, reported with its offset.
func (d *debugData) scanAll() ([][]rec, error) {
	jobs := make(chan chunk, 16)
	stop := make(chan struct{})
	var stopOnce sync.Once
	halt := func() { stopOnce.Do(func() { close(stop) }) }
	var order []chunk // written by the producer, read after jobs is closed
	var prodErr error
	go func() {
		defer close(jobs)
		defer func() {
			if r := recover(); r != nil {
				prodErr = recovered(d.name+": DWARF unit headers", r)
			}
		}()
		prodErr = d.unitChunks(func(c chunk) bool {
			order = append(order, c)
			select {
			case jobs <- c:
				return true
			case <-stop:
				return false
			}
		})
	}()
	workers := runtime.GOMAXPROCS(0)
	out := make([][]rec, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[w], errs[w] = d.scanWorker(jobs, stop, halt)
		}()
	}
	wg.Wait()
	for _, err := range append(errs, prodErr) {
		if err != nil {
			return nil, err
		}
	}
	d.units = joinUnits(order)
	return out, nil
}

// scanWorker scans chunks from jobs until it is closed, stop is closed, or
// a chunk fails (then it calls halt); it drains jobs so the producer is
// never left blocked.
func (d *debugData) scanWorker(jobs <-chan chunk, stop <-chan struct{}, halt func()) (recs []rec, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = recovered(d.name+": DWARF scan", r)
		}
		if err != nil {
			halt()
		}
		for range jobs {
		}
	}()
	s := scanner{d: d, seen: make(map[uint64]int32, 1<<16)}
	for c := range jobs {
		select {
		case <-stop:
			return nil, nil
		default:
		}
		if err := s.chunk(c); err != nil {
			return nil, err
		}
		if d.progress != nil {
			d.progress(d.scanned.Add(c.end-c.start), uint64(len(d.info)))
		}
	}
	return s.recs, nil
}

// joinUnits concatenates the chunks' units, which are in file order.
func joinUnits(cs []chunk) []unit {
	n := 0
	for _, c := range cs {
		n += len(c.units)
	}
	us := make([]unit, 0, n)
	for _, c := range cs {
		us = append(us, c.units...)
	}
	return us
}

// scanner is one worker's state. seen deduplicates by (kind, .debug_str
// offset): the linker merges identical strings, so the same struct name in
// a thousand units has one offset.
type scanner struct {
	d    *debugData
	recs []rec
	seen map[uint64]int32
	tab  abbrevTable // the current unit's, reused
	buf  []byte      // the current chunk, when read by pread
}

// chunk scans the units of c, reading them into s.buf when the section can
// be read by pread (vmlinux), or straight from memory (modules).
func (s *scanner) chunk(c chunk) error {
	data := s.d.info[c.start:c.end]
	if s.d.infoAt != nil {
		n := int(c.end - c.start)
		if cap(s.buf) < n {
			s.buf = make([]byte, n)
		}
		s.buf = s.buf[:n]
		if _, err := s.d.infoAt.ReadAt(s.buf, int64(c.start)); err != nil {
			return fmt.Errorf("%s: reading .debug_info [%#x, %#x): %w", s.d.name, c.start, c.end, err)
		}
		data = s.buf
	}
	for i := range c.units {
		u := &c.units[i]
		if err := s.unit(u, data[u.off-c.start:u.end-c.start]); err != nil {
			return err
		}
	}
	return nil
}

// unit scans the children of one unit DIE; ub holds the unit's bytes
// (offsets in it are relative to u.off).
func (s *scanner) unit(u *unit, ub []byte) error {
	tab := &s.tab
	if err := tab.parse(s.d.abbrev, u); err != nil {
		return fmt.Errorf("%s: .debug_abbrev+%#x (unit at .debug_info+%#x): %w", s.d.name, u.abbrevOff, u.off, err)
	}
	c := cursor{b: ub, pos: int(u.dieOff - u.off)}
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
	unitBases(&c, u, cu)
	if !cu.children {
		return c.err
	}
	for c.err == nil && c.pos < len(c.b) {
		off := u.off + uint64(c.pos)
		code := c.uleb()
		if code == 0 {
			break // end of the unit's children
		}
		a := tab.get(code)
		if a == nil {
			return fmt.Errorf("%s: .debug_info+%#x: undefined abbreviation code %d", s.d.name, off, code)
		}
		if err := s.die(&c, u, a, off); err != nil {
			return err
		}
	}
	if c.err != nil {
		return fmt.Errorf("%s: .debug_info+%#x: unit at %#x: %w", s.d.name, u.off+uint64(c.pos), u.off, c.err)
	}
	return nil
}

// die handles one child of the unit DIE: it records it when it is a named
// type or a variable with an address, then moves c past its subtree.
func (s *scanner) die(c *cursor, u *unit, a *abbrev, off uint64) error {
	kind := tagKind(a.tag)
	if !a.named || kind == kindVar && !a.located {
		kind = 0 // nothing to index: skip it like any other DIE
	}
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
		sibling = s.record(c, u, a, kind, off)
	}
	if !a.children || c.err != nil {
		return nil
	}
	if sibling > u.off+uint64(c.pos) && sibling <= u.end {
		c.pos = int(sibling - u.off)
		return nil
	}
	if err := skipDIEs(c, u, &s.tab, 1); err != nil {
		return fmt.Errorf("%s: .debug_info+%#x: in children of DIE %#x: %w", s.d.name, u.off+uint64(c.pos), off, err)
	}
	return nil
}

// record decodes the attributes of a DIE of an indexed kind and keeps it
// if it is named (variables: and has a static address). It returns the
// DW_AT_sibling offset, or 0.
func (s *scanner) record(c *cursor, u *unit, a *abbrev, kind uint8, off uint64) (sibling uint64) {
	r := rec{kind: kind, die: off, strp: noStrp}
	var spec uint64
	hasLoc := false
	for _, sp := range a.attrs {
		switch sp.attr {
		case atName:
			if sp.form == formStrp { // resolved in add, once per name
				r.strp = c.uN(int(u.offSize))
				continue
			}
			r.name = s.d.readVal(c, u, sp.form, sp.ic).b
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
	if c.err != nil || (kind == kindVar && !hasLoc) {
		return sibling
	}
	if r.name == nil && r.strp == noStrp && spec != 0 {
		s.fromSpec(&r, c.b, u, spec)
	}
	if r.name != nil || r.strp != noStrp {
		if r.strp == noStrp {
			r.name = bytes.Clone(r.name) // it points into the reused chunk buffer
		}
		s.add(r)
	}
	return sibling
}

// fromSpec names a variable definition that only points at its
// declaration (DW_AT_specification), as GCC emits for globals declared in
// a header; GCC keeps the declaration in the same unit.
func (s *scanner) fromSpec(r *rec, ub []byte, u *unit, spec uint64) {
	e, err := s.d.entryIn2(ub, u, &s.tab, spec)
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
	if r.strp == noStrp { // an inline name, already copied
		s.recs = append(s.recs, r)
		return
	}
	if r.strp >= 1<<56 {
		return // beyond any .debug_str
	}
	key := uint64(r.kind)<<56 | r.strp
	if i, ok := s.seen[key]; ok {
		if better(r, s.recs[i]) {
			r.name = s.recs[i].name
			s.recs[i] = r
		}
		return
	}
	if r.name = cstrAt(s.d.str, r.strp); len(r.name) == 0 {
		return // a bad string offset; nothing to index it by
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

// unitBases reads the unit DIE's attributes, keeping the bases that
// DW_FORM_strx and DW_FORM_addrx values in the unit are relative to.
func unitBases(c *cursor, u *unit, cu *abbrev) {
	for _, sp := range cu.attrs {
		switch {
		case sp.attr == atStrOffsetsBase && (sp.form == formSecOffset || sp.form == formData4 || sp.form == formData8):
			u.strOffBase = c.uN(formSize(sp.form, u))
		case sp.attr == atAddrBase && (sp.form == formSecOffset || sp.form == formData4 || sp.form == formData8):
			u.addrBase = c.uN(formSize(sp.form, u))
		default:
			skipVal(c, u, sp.form)
		}
	}
}
