package dwarf

import (
	"encoding/binary"
	"fmt"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// memReader is kernel memory for tests: bytes at a base address; reads
// outside fail like an unmapped page.
type memReader struct {
	base uint64
	b    []byte
}

func (m *memReader) ReadAt(p []byte, addr uint64) (int, error) {
	if addr < m.base || addr-m.base >= uint64(len(m.b)) {
		return 0, fmt.Errorf("address %#x not mapped", addr)
	}
	n := copy(p, m.b[addr-m.base:])
	if n < len(p) {
		return n, fmt.Errorf("address %#x not mapped", addr+uint64(n))
	}
	return n, nil
}

func (m *memReader) put64(addr, v uint64) {
	binary.LittleEndian.PutUint64(m.b[addr-m.base:], v)
}

func (m *memReader) put32(addr uint64, v uint32) {
	binary.LittleEndian.PutUint32(m.b[addr-m.base:], v)
}

func (m *memReader) putString(addr uint64, s string) {
	copy(m.b[addr-m.base:], s+"\x00")
}

// Synthetic types for tests that need no fixture.
func ctype(name string, size int64) godwarf.CommonType {
	return godwarf.CommonType{Name: name, ByteSize: size}
}

var (
	tInt   = &godwarf.IntType{BasicType: godwarf.BasicType{CommonType: ctype("int", 4)}}
	tUint  = &godwarf.UintType{BasicType: godwarf.BasicType{CommonType: ctype("unsigned int", 4)}}
	tULong = &godwarf.UintType{BasicType: godwarf.BasicType{CommonType: ctype("long unsigned int", 8)}}
	tChar  = &godwarf.CharType{BasicType: godwarf.BasicType{CommonType: ctype("char", 1)}}
	tBool  = &godwarf.BoolType{BasicType: godwarf.BasicType{CommonType: ctype("_Bool", 1)}}
	tState = &godwarf.EnumType{CommonType: ctype("state", 4), EnumName: "state",
		Val: []*godwarf.EnumValue{{Name: "S_IDLE", Val: 0}, {Name: "S_BUSY", Val: 1}, {Name: "S_NEG", Val: -1}}}
	tName   = &godwarf.ArrayType{CommonType: ctype("", 16), Type: tChar, Count: 16}
	tCharP  = &godwarf.PtrType{CommonType: ctype("", 8), Type: &godwarf.QualType{CommonType: ctype("", 1), Qual: "const", Type: tChar}}
	tInts   = &godwarf.ArrayType{CommonType: ctype("", 12), Type: tInt, Count: 3}
	tFlex   = &godwarf.ArrayType{CommonType: ctype("", 0), Type: tInt, Count: -1}
	tNodeTD = &godwarf.TypedefType{CommonType: ctype("node_t", 32)}
)

// tNode is struct node: a self-pointer, a string pointer, bitfields
// packed in the word at 16 (a:3, b:12, then a signed c:5 at bits 15-19),
// an enum, a bool, an anonymous struct {x, y} at 28, a char[16] at 36,
// an int[3] at 52 and a flexible int[] at 64.
var tNode = func() *godwarf.StructType {
	st := &godwarf.StructType{CommonType: ctype("node", 64), StructName: "node", Kind: "struct"}
	ptr := &godwarf.PtrType{CommonType: ctype("", 8), Type: st}
	inner := &godwarf.StructType{CommonType: ctype("", 8), Kind: "struct", Field: []*godwarf.StructField{
		{Name: "x", Type: tInt, ByteOffset: 0, ByteSize: 4},
		{Name: "y", Type: tInt, ByteOffset: 4, ByteSize: 4},
	}}
	st.Field = []*godwarf.StructField{
		{Name: "next", Type: ptr, ByteOffset: 0, ByteSize: 8},
		{Name: "label", Type: tCharP, ByteOffset: 8, ByteSize: 8},
		{Name: "a", Type: tUint, ByteOffset: 16, ByteSize: 1, BitOffset: 0, BitSize: 3},
		{Name: "b", Type: tUint, ByteOffset: 16, ByteSize: 2, BitOffset: 3, BitSize: 12},
		{Name: "c", Type: tInt, ByteOffset: 17, ByteSize: 2, BitOffset: 7, BitSize: 5},
		{Name: "st", Type: tState, ByteOffset: 20, ByteSize: 4},
		{Name: "on", Type: tBool, ByteOffset: 24, ByteSize: 1},
		{Name: "", Type: inner, ByteOffset: 28, ByteSize: 8},
		{Name: "name", Type: tName, ByteOffset: 36, ByteSize: 16},
		{Name: "v", Type: tInts, ByteOffset: 52, ByteSize: 12},
		{Name: "tail", Type: tFlex, ByteOffset: 64, ByteSize: 0},
	}
	tNodeTD.Type = st
	return st
}()

// multiMem is several memReaders, as a sparse address space.
type multiMem []*memReader

func (mm multiMem) ReadAt(p []byte, addr uint64) (int, error) {
	for _, m := range mm {
		if addr >= m.base && addr-m.base < uint64(len(m.b)) {
			return m.ReadAt(p, addr)
		}
	}
	return 0, fmt.Errorf("address %#x not mapped", addr)
}
