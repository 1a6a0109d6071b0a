package kernel

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// member makes a struct member; bits 0 means a whole integer of size bytes.
func member(name string, byteOff, size, bitOff, bits int64) *godwarf.StructField {
	t := &godwarf.IntType{BasicType: godwarf.BasicType{CommonType: godwarf.CommonType{ByteSize: size, Name: "int"}}}
	return &godwarf.StructField{Name: name, Type: t, ByteOffset: byteOff, ByteSize: size, BitOffset: bitOff, BitSize: bits}
}

// orcTypes returns a type source with struct orc_entry as 6.1 (end bit)
// or 6.4+ (3-bit type and signal bit) lay it out.
func orcTypes(newStyle bool) func(string) (godwarf.Type, error) {
	f := []*godwarf.StructField{member("sp_offset", 0, 2, 0, 0), member("bp_offset", 2, 2, 0, 0),
		member("sp_reg", 4, 4, 0, 4), member("bp_reg", 4, 4, 4, 4)}
	if newStyle {
		f = append(f, member("type", 5, 4, 0, 3), member("signal", 5, 4, 3, 1))
	} else {
		f = append(f, member("type", 5, 4, 0, 2), member("end", 5, 4, 2, 1))
	}
	st := &godwarf.StructType{CommonType: godwarf.CommonType{ByteSize: 6, Name: "orc_entry"}, StructName: "orc_entry", Kind: "struct", Field: f}
	return func(name string) (godwarf.Type, error) {
		if name != "struct orc_entry" {
			return nil, fmt.Errorf("no type %q", name)
		}
		return st, nil
	}
}

func rawEntry(sp, bp int16, spReg, bpReg, b5 byte) []byte {
	b := make([]byte, 6)
	binary.LittleEndian.PutUint16(b, uint16(sp))
	binary.LittleEndian.PutUint16(b[2:], uint16(bp))
	b[4] = spReg | bpReg<<4
	b[5] = b5
	return b
}

func TestORCDecode(t *testing.T) {
	tests := []struct {
		name     string
		newStyle bool
		raw      []byte
		want     orcEntry
	}{
		{"6.1 call", false, rawEntry(16, -16, orcRegSP, orcRegPrevSP, 0),
			orcEntry{spOffset: 16, bpOffset: -16, spReg: orcRegSP, bpReg: orcRegPrevSP, kind: orcCall}},
		{"6.1 regs", false, rawEntry(0, 0, orcRegSP, orcRegUndefined, 1),
			orcEntry{spReg: orcRegSP, kind: orcRegs}},
		{"6.1 partial", false, rawEntry(8, 0, orcRegSP, 0, 2),
			orcEntry{spOffset: 8, spReg: orcRegSP, kind: orcRegsPartial}},
		{"6.1 end hint", false, rawEntry(0, 0, orcRegUndefined, 0, 1<<2),
			orcEntry{kind: orcEnd}},
		{"6.1 no data", false, rawEntry(0, 0, orcRegUndefined, 0, 0),
			orcEntry{kind: orcUndefined}},
		{"6.1 bad type", false, rawEntry(8, 0, orcRegSP, 0, 3),
			orcEntry{spOffset: 8, spReg: orcRegSP, kind: orcUndefined}},
		{"6.4 call", true, rawEntry(8, 0, orcRegSP, 0, 2),
			orcEntry{spOffset: 8, spReg: orcRegSP, kind: orcCall}},
		{"6.4 end of stack", true, rawEntry(0, 0, orcRegUndefined, 0, 1),
			orcEntry{kind: orcEnd}},
		{"6.4 regs, signal", true, rawEntry(0, 0, orcRegSP, 0, 3|1<<3),
			orcEntry{spReg: orcRegSP, kind: orcRegs, signal: true}},
		{"6.4 out of range type", true, rawEntry(0, 0, orcRegSP, 0, 7),
			orcEntry{spReg: orcRegSP, kind: orcUndefined}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, err := newORCLayout(orcTypes(tc.newStyle))
			if err != nil {
				t.Fatal(err)
			}
			if got := l.decode(tc.raw); got != tc.want {
				t.Errorf("decode(% x) = %+v, want %+v", tc.raw, got, tc.want)
			}
		})
	}
}

func TestORCLayoutErrors(t *testing.T) {
	missing := func(string) (godwarf.Type, error) {
		st := &godwarf.StructType{CommonType: godwarf.CommonType{ByteSize: 6}, Kind: "struct",
			Field: []*godwarf.StructField{member("sp_offset", 0, 2, 0, 0)}}
		return st, nil
	}
	huge := func(string) (godwarf.Type, error) {
		return &godwarf.StructType{CommonType: godwarf.CommonType{ByteSize: 1 << 20}, Kind: "struct"}, nil
	}
	absent := func(n string) (godwarf.Type, error) { return nil, fmt.Errorf("type %q not found", n) }
	for name, src := range map[string]func(string) (godwarf.Type, error){"missing": missing, "huge": huge, "absent": absent} {
		if l, err := newORCLayout(src); err == nil || l != nil {
			t.Errorf("%s: got layout %+v, err %v; want an error", name, l, err)
		}
	}
}

// table builds a vmlinux-like table at base with one entry per address.
func table(t *testing.T, base uint64, addrs []uint64, sps []int16) *orcTable {
	t.Helper()
	l, err := newORCLayout(orcTypes(false))
	if err != nil {
		t.Fatal(err)
	}
	rel := make([]byte, 4*len(addrs))
	var ents []byte
	for i, a := range addrs {
		binary.LittleEndian.PutUint32(rel[4*i:], uint32(int32(int64(a)-int64(base+uint64(4*i)))))
		ents = append(ents, rawEntry(sps[i], 0, orcRegSP, 0, 0)...)
	}
	tb, err := newORCTable("m", [][2]uint64{{0x1000, 0x2000}}, base, rel, ents, l)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func TestORCTableFind(t *testing.T) {
	// Unsorted on purpose: the table must sort addresses and entries together.
	tb := table(t, 0x1800, []uint64{0x1100, 0x1000, 0x1200}, []int16{16, 8, 24})
	tests := []struct {
		ip     uint64
		ok     bool
		wantSP int16
	}{
		{0xfff, false, 0},  // below the text
		{0x1000, true, 8},  // exactly the first
		{0x10ff, true, 8},  // inside the first range
		{0x1100, true, 16}, // the second
		{0x1fff, true, 24}, // the last covers up to the end of text
		{0x2000, false, 0}, // end of text
		{^uint64(0), false, 0},
	}
	for _, tc := range tests {
		e, ok := tb.find(tc.ip)
		if ok != tc.ok || (ok && e.spOffset != tc.wantSP) {
			t.Errorf("find(%#x) = %+v, %v; want sp_offset %d, %v", tc.ip, e, ok, tc.wantSP, tc.ok)
		}
	}
}

func TestORCTableShortEntries(t *testing.T) {
	l, _ := newORCLayout(orcTypes(false))
	if tb, err := newORCTable("m", [][2]uint64{{0, 1}}, 0, make([]byte, 8), make([]byte, 6), l); err == nil || tb != nil {
		t.Fatalf("2 addresses with 1 entry: got %v, %v; want an error", tb, err)
	}
}

// FuzzORCTable feeds arbitrary bytes as a module's ORC tables (they come
// from the dump): building and searching must never panic.
func FuzzORCTable(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 4, 0, 0, 0}, []byte{8, 0, 0, 0, 5, 0, 16, 0, 0, 0, 5, 0}, uint64(0x1004))
	f.Add([]byte{0xff, 0xff, 0xff, 0x7f}, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, uint64(0))
	f.Fuzz(func(t *testing.T, rel, ents []byte, ip uint64) {
		for _, newStyle := range []bool{false, true} {
			l, err := newORCLayout(orcTypes(newStyle))
			if err != nil {
				t.Fatal(err)
			}
			tb, err := newORCTable("fuzz", [][2]uint64{{0, ^uint64(0)}}, 0x1000, rel, ents, l)
			if err != nil {
				if tb != nil {
					t.Fatal("error with a table")
				}
				continue
			}
			e, ok := tb.find(ip)
			if ok && e.kind > orcRegsPartial {
				t.Fatalf("kind %d out of range", e.kind)
			}
		}
	})
}

// A module's table covers its core and init text, not the gap between.
func TestORCTableTwoRanges(t *testing.T) {
	l, _ := newORCLayout(orcTypes(false))
	rel := make([]byte, 8)
	binary.LittleEndian.PutUint32(rel, uint32(0x1000-0x100))     // entry 0 at 0x1000
	binary.LittleEndian.PutUint32(rel[4:], uint32(0x8000-0x104)) // entry 1 at 0x8000
	ents := append(rawEntry(8, 0, orcRegSP, 0, 0), rawEntry(16, 0, orcRegSP, 0, 0)...)
	tb, err := newORCTable("m", [][2]uint64{{0x1000, 0x1100}, {0x8000, 0x8100}}, 0x100, rel, ents, l)
	if err != nil {
		t.Fatal(err)
	}
	for ip, want := range map[uint64]int16{0x1010: 8, 0x8010: 16, 0x2000: -1, 0x8100: -1} {
		e, ok := tb.find(ip)
		if (want < 0) == ok || (ok && e.spOffset != want) {
			t.Errorf("find(%#x) = %+v, %v; want sp_offset %d", ip, e, ok, want)
		}
	}
}
