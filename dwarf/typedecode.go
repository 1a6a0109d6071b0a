package dwarf

import (
	"debug/dwarf"
	"fmt"
	"reflect"
	"sync"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// typeCache decodes DWARF type DIEs into godwarf types on demand and keeps
// them. It has its own decoder rather than godwarf.ReadType because
// ReadType needs a debug/dwarf.Data (which parses every abbreviation table
// up front) and ignores DW_AT_data_bit_offset, the DWARF 4/5 way GCC
// describes bitfields (struct slab's inuse/objects/frozen would all read
// as offset 0).
//
// Bitfield convention of the StructFields this package returns: the field
// occupies bits [BitOffset, BitOffset+BitSize) of the little-endian
// integer made of the ByteSize bytes at ByteOffset, counting from the least
// significant bit. (godwarf's own reader counts DWARF 2 style from the most
// significant bit; nothing here produces that.)
type typeCache struct {
	mu    sync.Mutex
	dd    *debugData
	byOff map[uint64]godwarf.Type
	added []uint64 // offsets cached during the current decode, undone on error

	// ix, when set, completes declarations (see completeType); outer is
	// consulted next (a module's declarations of vmlinux types).
	ix    *index
	outer func(kind uint8, name string) (godwarf.Type, bool)
}

func (tc *typeCache) init(dd *debugData) {
	tc.dd = dd
	tc.byOff = make(map[uint64]godwarf.Type)
}

// maxTypeDepth bounds the decoder's recursion on corrupt (or absurd) input.
const maxTypeDepth = 256

// typeAt returns the type whose DIE is at off.
func (tc *typeCache) typeAt(off uint64) (t godwarf.Type, err error) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	defer func() {
		if r := recover(); r != nil {
			err = recovered(fmt.Sprintf("%s: decoding type at .debug_info+%#x", tc.dd.name, off), r)
		}
		if err != nil {
			for _, o := range tc.added {
				delete(tc.byOff, o)
			}
			t = nil
		}
		tc.added = tc.added[:0]
	}()
	t, err = tc.decode(off, 0)
	if err == nil {
		tc.fixSizes()
	}
	return t, err
}

// fixSizes recomputes, for the types decoded in this call, the sizes that
// were taken while a type they depend on was still being built (a struct
// reached again through a declaration's completion).
func (tc *typeCache) fixSizes() {
	for _, off := range tc.added {
		if st, ok := tc.byOff[off].(*godwarf.StructType); ok {
			for _, f := range st.Field {
				if f.BitSize == 0 {
					f.ByteSize = sizeOf(f.Type)
				}
			}
		}
	}
}

func (tc *typeCache) put(off uint64, t godwarf.Type) {
	tc.byOff[off] = t
	tc.added = append(tc.added, off)
}

func (tc *typeCache) decode(off uint64, depth int) (godwarf.Type, error) {
	if t, ok := tc.byOff[off]; ok {
		return t, nil
	}
	if depth > maxTypeDepth {
		return nil, fmt.Errorf("%s: .debug_info+%#x: types nested more than %d deep", tc.dd.name, off, maxTypeDepth)
	}
	e, u, err := tc.dd.entryAt(off)
	if err != nil {
		return nil, err
	}
	if e == nil {
		return nil, fmt.Errorf("%s: .debug_info+%#x: no DIE (null entry) where a type was expected", tc.dd.name, off)
	}
	common := godwarf.CommonType{Name: e.name(), ByteSize: e.uint(atByteSize, 0), Offset: dwarf.Offset(off)}
	switch e.tag {
	case tagBaseType:
		t := baseType(common, e.uint(atEncoding, 0), e.uint(atBitSize, 0))
		tc.put(off, t)
		return t, nil
	case tagStructType, tagUnionType:
		return tc.structType(common, e, u, depth)
	case tagEnumType:
		return tc.enumType(common, e, u)
	case tagArrayType:
		return tc.arrayType(common, e, u, depth)
	case tagPointerType:
		t := &godwarf.PtrType{CommonType: common}
		t.ReflectKind = reflect.Pointer
		if t.ByteSize == 0 {
			t.ByteSize = int64(u.addrSize)
		}
		tc.put(off, t)
		t.Type, err = tc.ref(e, depth)
		return t, err
	case tagTypedef:
		// Typedefs, qualifiers and arrays cannot contain themselves except
		// through a pointer (which is cached before its target), so their
		// target is decoded first and they are never seen half-built.
		under, err := tc.ref(e, depth)
		if err != nil {
			return nil, err
		}
		t := &godwarf.TypedefType{CommonType: common, Type: under}
		t.ByteSize = sizeOf(under)
		tc.put(off, t)
		return t, nil
	case tagConstType, tagVolatileType, tagRestrictType, tagAtomicType:
		under, err := tc.ref(e, depth)
		if err != nil {
			return nil, err
		}
		t := &godwarf.QualType{CommonType: common, Qual: qualName(e.tag), Type: under}
		t.ByteSize = sizeOf(under)
		tc.put(off, t)
		return t, nil
	case tagSubroutineType:
		return tc.funcType(common, e, u, depth)
	case tagUnspecType:
		t := &godwarf.UnspecifiedType{BasicType: godwarf.BasicType{CommonType: common}}
		tc.put(off, t)
		return t, nil
	}
	t := &godwarf.UnsupportedType{CommonType: common, Tag: dwarf.Tag(e.tag)}
	tc.put(off, t)
	return t, nil
}

// ref decodes the type an entry's DW_AT_type names; absent means void.
func (tc *typeCache) ref(e *entry, depth int) (godwarf.Type, error) {
	v, ok := e.val(atType)
	if !ok {
		return &godwarf.VoidType{CommonType: godwarf.CommonType{Name: "void"}}, nil
	}
	return tc.decode(v.u, depth+1)
}

func qualName(tag uint16) string {
	switch tag {
	case tagConstType:
		return "const"
	case tagVolatileType:
		return "volatile"
	case tagRestrictType:
		return "restrict"
	}
	return "_Atomic"
}

func baseType(c godwarf.CommonType, enc, bits int64) godwarf.Type {
	b := godwarf.BasicType{CommonType: c, BitSize: bits}
	switch enc {
	case ateBoolean:
		b.ReflectKind = reflect.Bool
		return &godwarf.BoolType{BasicType: b}
	case ateFloat:
		b.ReflectKind = reflect.Float64
		return &godwarf.FloatType{BasicType: b}
	case ateComplexFloat:
		b.ReflectKind = reflect.Complex128
		return &godwarf.ComplexType{BasicType: b}
	case ateSigned:
		b.ReflectKind = reflect.Int
		return &godwarf.IntType{BasicType: b}
	case ateSignedChar:
		b.ReflectKind = reflect.Int8
		return &godwarf.CharType{BasicType: b}
	case ateUnsignedChar:
		b.ReflectKind = reflect.Uint8
		return &godwarf.UcharType{BasicType: b}
	case ateAddress:
		b.ReflectKind = reflect.Uintptr
		return &godwarf.AddrType{BasicType: b}
	}
	b.ReflectKind = reflect.Uint
	return &godwarf.UintType{BasicType: b}
}

// lookupComplete finds the definition of a kind and name in this cache's
// index, for another cache's outer hook.
func (tc *typeCache) lookupComplete(kind uint8, name string) (godwarf.Type, bool) {
	if tc.ix != nil {
		if d, ok := tc.ix.find(kind, name); ok && d.decl == 0 {
			t, err := tc.typeAt(d.die)
			return t, err == nil
		}
	}
	if tc.outer != nil {
		return tc.outer(kind, name)
	}
	return nil, false
}
