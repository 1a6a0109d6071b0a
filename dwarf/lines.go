package dwarf

import (
	stddwarf "debug/dwarf"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
)

// lineTables finds file:line for code addresses. The unit holding an
// address comes from .debug_aranges; that one unit's line program is
// decoded by debug/dwarf over a slice holding just the unit (so
// debug/dwarf parses one abbreviation table, not thousands), and the rows
// are kept for the next lookup in the same unit.
type lineTables struct {
	once    sync.Once
	ranges  []arange
	initErr error

	mu     sync.Mutex
	tables map[uint64]*lineTable
}

type arange struct {
	lo, hi uint64
	unit   uint64 // .debug_info offset of the unit header
}

type lineTable struct {
	rows  []lineRow // sorted by address; endSeq rows end a sequence
	files []string  // lineRow.file indexes these
}

// lineRow is 16 bytes: a big unit has 10^5 rows, and tables are kept.
type lineRow struct {
	addr   uint64
	line   uint32
	file   uint16
	endSeq bool
}

// maxLineTables bounds the decoded units kept.
const maxLineTables = 32

// LineFor returns the source file and line of a runtime code address in
// vmlinux or a loaded module with DWARF.
func (b *Binary) LineFor(pc uint64) (file string, line int, ok bool) {
	if pc >= kernelImageStart+b.kaslr.Load() {
		if f, l, ok := b.dd.lineFor(b.unshift(pc)); ok {
			return f, l, true
		}
	}
	for _, m := range b.Modules() {
		if f, l, ok := m.LineFor(pc); ok {
			return f, l, true
		}
	}
	return "", 0, false
}

// LineFor returns the source file and line of a runtime address in the
// module.
func (m *Module) LineFor(pc uint64) (string, int, bool) {
	if m.dd == nil {
		return "", 0, false
	}
	return m.dd.lineFor(pc)
}

func (d *debugData) lineFor(pc uint64) (string, int, bool) {
	if d.closed.Load() {
		return "", 0, false
	}
	lt := &d.lines
	lt.once.Do(func() { lt.ranges, lt.initErr = parseAranges(d.aranges) })
	i := sort.Search(len(lt.ranges), func(i int) bool { return lt.ranges[i].hi > pc })
	if i == len(lt.ranges) || pc < lt.ranges[i].lo {
		return "", 0, false
	}
	t, err := d.lineTable(lt.ranges[i].unit)
	if err != nil {
		return "", 0, false
	}
	return t.find(pc)
}

func (t *lineTable) find(pc uint64) (string, int, bool) {
	j := sort.Search(len(t.rows), func(j int) bool { return t.rows[j].addr > pc }) - 1
	if j < 0 || t.rows[j].endSeq || j+1 >= len(t.rows) {
		return "", 0, false
	}
	r := t.rows[j]
	if int(r.file) >= len(t.files) || r.line == 0 {
		return "", 0, false
	}
	return t.files[r.file], int(r.line), true
}

func (d *debugData) lineTable(unitOff uint64) (*lineTable, error) {
	lt := &d.lines
	lt.mu.Lock()
	defer lt.mu.Unlock()
	if t, ok := lt.tables[unitOff]; ok {
		return t, nil
	}
	t, err := d.decodeLines(unitOff)
	if err != nil {
		return nil, err
	}
	if lt.tables == nil || len(lt.tables) >= maxLineTables {
		lt.tables = make(map[uint64]*lineTable)
	}
	lt.tables[unitOff] = t
	return t, nil
}

// decodeLines runs the line program of the unit at unitOff.
func (d *debugData) decodeLines(unitOff uint64) (t *lineTable, err error) {
	defer func() {
		if r := recover(); r != nil { // debug/dwarf is not hardened
			t, err = nil, recovered(fmt.Sprintf("%s: line program of unit %#x", d.name, unitOff), r)
		}
	}()
	i := sort.Search(len(d.units), func(i int) bool { return d.units[i].off >= unitOff })
	if i == len(d.units) || d.units[i].off != unitOff {
		return nil, fmt.Errorf("%s: .debug_aranges names unit %#x, which is not a unit", d.name, unitOff)
	}
	u := &d.units[i]
	ub, err := d.unitBytes(u)
	if err != nil {
		return nil, err
	}
	dd, err := stddwarf.New(d.abbrev, nil, nil, ub, d.line, nil, nil, d.str)
	if err != nil {
		return nil, err
	}
	for _, s := range []struct {
		name string
		b    []byte
	}{{".debug_line_str", d.lineStr}, {".debug_str_offsets", d.strOff}, {".debug_addr", d.addr}} {
		if len(s.b) > 0 {
			if err := dd.AddSection(s.name, s.b); err != nil {
				return nil, err
			}
		}
	}
	cu, err := dd.Reader().Next()
	if err != nil || cu == nil {
		return nil, fmt.Errorf("%s: unit %#x: no unit DIE: %v", d.name, unitOff, err)
	}
	lr, err := dd.LineReader(cu)
	if err != nil || lr == nil {
		return nil, fmt.Errorf("%s: unit %#x: no line program: %v", d.name, unitOff, err)
	}
	return readLineRows(lr)
}

// maxLineRows bounds one unit's line table.
const maxLineRows = 1 << 22

func readLineRows(lr *stddwarf.LineReader) (*lineTable, error) {
	t := &lineTable{}
	fileIdx := map[*stddwarf.LineFile]uint16{}
	var e stddwarf.LineEntry
	for len(t.rows) < maxLineRows {
		if err := lr.Next(&e); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, err
		}
		r := lineRow{addr: e.Address, line: uint32(max(0, e.Line)), endSeq: e.EndSequence, file: ^uint16(0)}
		if i, ok := fileIdx[e.File]; ok {
			r.file = i
		} else if e.File != nil && len(t.files) < 1<<16-1 {
			r.file = uint16(len(t.files))
			fileIdx[e.File] = r.file
			t.files = append(t.files, e.File.Name)
		}
		t.rows = append(t.rows, r)
	}
	// Sequences come in any order. Where one ends at the address the
	// next starts, the end row sorts first so the start row wins.
	sort.SliceStable(t.rows, func(i, j int) bool {
		a, b := t.rows[i], t.rows[j]
		return a.addr < b.addr || a.addr == b.addr && a.endSeq && !b.endSeq
	})
	return t, nil
}

// maxAranges bounds the address ranges read.
const maxAranges = 1 << 22

// parseAranges reads .debug_aranges into ranges sorted by address.
func parseAranges(sec []byte) ([]arange, error) {
	var out []arange
	c := cursor{b: sec}
	for c.pos < len(sec) && len(out) < maxAranges {
		start := c.pos
		length := uint64(c.u32())
		offSize := 4
		if length == 0xffffffff {
			length, offSize = c.u64(), 8
		}
		end := c.pos + int(min(length, uint64(len(sec)-c.pos)))
		c.u16() // version
		unitOff := c.uN(offSize)
		addrSize := int(c.u8())
		c.u8() // segment selector size
		if c.err != nil || (addrSize != 4 && addrSize != 8) {
			return out, fmt.Errorf(".debug_aranges+%#x: bad header", start)
		}
		tuple := 2 * addrSize
		c.pos = start + (c.pos-start+tuple-1)/tuple*tuple // tuples are aligned
		for c.pos+tuple <= end {
			lo, n := c.uN(addrSize), c.uN(addrSize)
			if lo == 0 && n == 0 {
				break
			}
			if n > 0 && lo+n > lo {
				out = append(out, arange{lo: lo, hi: lo + n, unit: unitOff})
			}
		}
		c.pos = end
	}
	sort.Slice(out, func(i, j int) bool { return out[i].lo < out[j].lo })
	return out, nil
}
