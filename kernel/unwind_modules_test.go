package kernel

import (
	"encoding/binary"
	"errors"
	"testing"
)

var testSymLayout = elfSymLayout{size: 24, name: 0, info: 4, value: 8, symSize: 16}

func elfSym(name uint32, info byte, value, size uint64) []byte {
	b := make([]byte, 24)
	binary.LittleEndian.PutUint32(b, name)
	b[4] = info
	binary.LittleEndian.PutUint64(b[8:], value)
	binary.LittleEndian.PutUint64(b[16:], size)
	return b
}

func TestDecodeModSyms(t *testing.T) {
	names := map[uint64]string{1: "kdx_b", 7: "kdx_a", 13: "data_sym"}
	nameAt := func(off uint64) (string, error) {
		if n, ok := names[off]; ok {
			return n, nil
		}
		return "", errors.New("unreadable")
	}
	var raw []byte
	raw = append(raw, elfSym(1, 0x12, 0xffffffffc0001100, 0x20)...) // global func
	raw = append(raw, elfSym(7, 0x02, 0xffffffffc0001000, 0x40)...) // local func
	raw = append(raw, elfSym(13, 0x11, 0xffffffffc0002000, 8)...)   // object: kept as data
	raw = append(raw, elfSym(13, 0x13, 0xffffffffc0002100, 8)...)   // section symbol: skipped
	raw = append(raw, elfSym(99, 0x12, 0xffffffffc0003000, 8)...)   // name unreadable: skipped
	raw = append(raw, elfSym(1, 0x12, 0, 8)...)                     // address 0: skipped
	raw = append(raw, 1, 2, 3)                                      // a torn record: ignored
	got := decodeModSyms(raw, testSymLayout, nameAt)
	if len(got) != 3 || got[0].name != "kdx_a" || got[1].name != "kdx_b" || got[2].name != "data_sym" ||
		got[0].kind != 't' || got[2].kind != 'd' {
		t.Fatalf("got %+v", got)
	}
	m := btModule{syms: got}
	for addr, want := range map[uint64]string{0xffffffffc0001010: "kdx_a", 0xffffffffc0001110: "kdx_b", 0xffffffffc0001120: "", 0xffffffffc0000fff: "", 0xffffffffc0002004: "data_sym"} {
		s, ok := m.lookup(addr)
		if (want == "") == ok || s.name != want {
			t.Errorf("lookup(%#x) = %q, %v; want %q", addr, s.name, ok, want)
		}
	}
	if decodeModSyms(raw, elfSymLayout{size: 0}, nameAt) != nil {
		t.Error("a zero-size layout must decode nothing (and not loop)")
	}
}

// FuzzDecodeModSyms: a module's symbol table comes from the dump.
func FuzzDecodeModSyms(f *testing.F) {
	f.Add(elfSym(1, 0x12, 0xffffffffc0001100, 0x20), uint8(24))
	f.Fuzz(func(t *testing.T, raw []byte, size uint8) {
		l := testSymLayout
		l.size = uint64(size)
		syms := decodeModSyms(raw, l, func(off uint64) (string, error) { return "f", nil })
		if !l.valid() && syms != nil {
			t.Fatal("symbols from an invalid layout")
		}
		for i := 1; i < len(syms); i++ {
			if syms[i].addr < syms[i-1].addr {
				t.Fatal("not sorted")
			}
		}
	})
}
