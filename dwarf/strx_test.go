package dwarf

import (
	"encoding/binary"
	"testing"
)

// strxDWARF builds DWARF 5 as clang emits it: names as DW_FORM_strx1
// indexes into per-unit contributions of .debug_str_offsets, found through
// each unit's DW_AT_str_offsets_base. Two units, each with a base type
// and a variable of that type.
func strxDWARF() *debugData {
	le := binary.LittleEndian
	abbrev := []byte{
		1, tagCompileUnit, 1, atStrOffsetsBase, formSecOffset, atName, formStrx1, 0, 0,
		2, tagBaseType, 0, atName, formStrx1, atByteSize, formData1, atEncoding, formData1, 0, 0,
		3, tagVariable, 0, atName, formStrx1, atType, formRef4, atLocation, formExprloc, 0, 0,
		0,
	}
	str := []byte("\x00cu_a\x00int_a\x00var_a\x00cu_b\x00long_b\x00var_b\x00")
	strOffsets := func(names ...string) []byte {
		b := le.AppendUint32(nil, uint32(4+4*len(names)))
		b = le.AppendUint16(b, 5)
		b = le.AppendUint16(b, 0)
		for _, n := range names {
			b = le.AppendUint32(b, uint32(indexOf(str, n)))
		}
		return b
	}
	offs := append(strOffsets("cu_a", "int_a", "var_a"), strOffsets("cu_b", "long_b", "var_b")...)
	unitDIEs := func(base uint32, size byte, addr uint64) []byte {
		d := []byte{1}
		d = le.AppendUint32(d, base)
		d = append(d, 0)                     // name: strx 0
		typeOff := uint32(12 + len(d))       // CU-relative: header is 12 bytes
		d = append(d, 2, 1, size, ateSigned) // base type, strx 1
		d = append(d, 3, 2)                  // variable, strx 2
		d = le.AppendUint32(d, typeOff)
		d = append(d, 9, opAddr)
		d = le.AppendUint64(d, addr)
		return append(d, 0)
	}
	unit := func(dies []byte) []byte {
		u := le.AppendUint32(nil, uint32(8+len(dies)))
		u = le.AppendUint16(u, 5)
		u = append(u, 1, 8) // DW_UT_compile, address size
		u = le.AppendUint32(u, 0)
		return append(u, dies...)
	}
	info := append(unit(unitDIEs(8, 4, 0xffffffff81000000)), unit(unitDIEs(28, 8, 0xffffffff81000100))...)
	return &debugData{name: "strx", info: info, abbrev: abbrev, str: str, strOff: offs}
}

func indexOf(b []byte, s string) int {
	for i := 0; i+len(s) < len(b); i++ {
		if string(b[i:i+len(s)]) == s && b[i+len(s)] == 0 && (i == 0 || b[i-1] == 0) {
			return i
		}
	}
	return -1
}

func TestStrxUnits(t *testing.T) {
	d := strxDWARF()
	ix, err := buildIndex(d)
	if err != nil {
		t.Fatal(err)
	}
	var tc typeCache
	tc.init(d)
	tc.ix = ix
	for _, v := range []struct {
		name, typ string
		addr      uint64
		size      int64
	}{{"var_a", "int_a", 0xffffffff81000000, 4}, {"var_b", "long_b", 0xffffffff81000100, 8}} {
		e, ok := ix.find(kindVar, v.name)
		if !ok || e.addr != v.addr {
			t.Errorf("%s: indexed %v at %#x, want %#x", v.name, ok, e.addrOr0(), v.addr)
			continue
		}
		ty, err := tc.variableType(e.die)
		if err != nil || CTypeName(ty) != v.typ || ty.Size() != v.size {
			t.Errorf("%s: type %v %v, want %s (%d bytes)", v.name, ty, err, v.typ, v.size)
		}
		if _, ok := ix.find(kindBase, v.typ); !ok {
			t.Errorf("base type %s not indexed", v.typ)
		}
	}
}

func (e *ientry) addrOr0() uint64 {
	if e == nil {
		return 0
	}
	return e.addr
}
