package dwarf

import (
	"fmt"
	"reflect"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

func (tc *typeCache) structType(c godwarf.CommonType, e *entry, u *unit, depth int) (godwarf.Type, error) {
	t := &godwarf.StructType{CommonType: c, StructName: c.Name, Kind: "struct"}
	if e.tag == tagUnionType {
		t.Kind = "union"
	}
	t.ReflectKind = reflect.Struct
	t.Incomplete = e.flag(atDeclaration)
	tc.put(e.off, t)
	if t.Incomplete && t.StructName != "" {
		declOwners.Store(t, tc)
	}
	err := tc.dd.children(u, e, func(k *entry) error {
		if k.tag != tagMember {
			return nil
		}
		f, err := tc.member(k, depth)
		if err != nil {
			return err
		}
		t.Field = append(t.Field, f)
		return nil
	})
	return t, err
}

// member decodes one DW_TAG_member, normalising both bitfield encodings to
// this package's little-endian convention (see typeCache).
func (tc *typeCache) member(k *entry, depth int) (*godwarf.StructField, error) {
	ft, err := tc.ref(k, depth)
	if err != nil {
		return nil, err
	}
	f := &godwarf.StructField{Name: k.name(), Type: ft, ByteSize: max(0, ft.Size())}
	loc, err := memberLocation(k)
	if err != nil {
		return nil, fmt.Errorf("%s: .debug_info+%#x: member %q: %w", tc.dd.name, k.off, f.Name, err)
	}
	f.ByteOffset = loc
	bits := k.uint(atBitSize, 0)
	if bits <= 0 {
		return f, nil
	}
	var start int64 // bit offset from the start of the struct
	if v, ok := k.val(atDataBitOffset); ok {
		start = v.int()
	} else {
		storage := k.uint(atByteSize, ft.Size())
		start = loc*8 + storage*8 - k.uint(atBitOffset, 0) - bits
	}
	if start < 0 || bits > 64 {
		return nil, fmt.Errorf("%s: .debug_info+%#x: member %q: bitfield at bit %d, %d bits", tc.dd.name, k.off, f.Name, start, bits)
	}
	f.ByteOffset = start / 8
	f.BitOffset = start % 8
	f.BitSize = bits
	f.ByteSize = (f.BitOffset + bits + 7) / 8
	return f, nil
}

// memberLocation reads DW_AT_data_member_location: a constant, or the
// DWARF 2 expression DW_OP_plus_uconst N. Union members have none (0).
func memberLocation(k *entry) (int64, error) {
	v, ok := k.val(atDataMemberLoc)
	if !ok {
		return 0, nil
	}
	switch v.form {
	case formExprloc, formBlock, formBlock1, formBlock2, formBlock4:
		c := cursor{b: v.b}
		switch c.u8() {
		case opPlusUconst:
			n := c.uleb()
			if c.err != nil || c.pos != len(c.b) {
				return 0, fmt.Errorf("bad location expression % x", v.b)
			}
			return int64(n), nil
		case opConstu:
			n := c.uleb()
			return int64(n), c.err
		}
		return 0, fmt.Errorf("unsupported location expression % x", v.b)
	}
	return v.int(), nil
}

func (tc *typeCache) enumType(c godwarf.CommonType, e *entry, u *unit) (godwarf.Type, error) {
	t := &godwarf.EnumType{CommonType: c, EnumName: c.Name}
	t.ReflectKind = reflect.Int
	tc.put(e.off, t)
	err := tc.dd.children(u, e, func(k *entry) error {
		if k.tag == tagEnumerator {
			t.Val = append(t.Val, &godwarf.EnumValue{Name: k.name(), Val: k.uint(atConstValue, 0)})
		}
		return nil
	})
	return t, err
}

// maxArrayCount keeps array sizes within what an int64 byte size can hold.
const maxArrayCount = 1 << 40

func (tc *typeCache) arrayType(c godwarf.CommonType, e *entry, u *unit, depth int) (godwarf.Type, error) {
	var counts []int64
	err := tc.dd.children(u, e, func(k *entry) error {
		if k.tag == tagSubrangeType {
			counts = append(counts, subrangeCount(k))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(counts) == 0 {
		counts = []int64{-1}
	}
	elem, err := tc.ref(e, depth) // see the typedef case in decode
	if err != nil {
		return nil, err
	}
	outer := &godwarf.ArrayType{CommonType: c}
	// int a[2][3] is an array of 2 arrays of 3: build from the innermost.
	for i := len(counts) - 1; i >= 0; i-- {
		at := &godwarf.ArrayType{Type: elem, Count: counts[i]}
		if i == 0 {
			at = outer
			at.Type, at.Count = elem, counts[0]
		}
		at.ReflectKind = reflect.Array
		at.StrideBitSize = 8 * sizeOf(elem)
		if at.Count > 0 {
			at.ByteSize = at.Count * sizeOf(elem)
		} else {
			at.ByteSize = 0
		}
		elem = at
	}
	tc.put(e.off, outer)
	return outer, nil
}

// subrangeCount is a dimension's length, or -1 for a flexible array.
func subrangeCount(k *entry) int64 {
	if v, ok := k.val(atCount); ok {
		return clampCount(v.int())
	}
	v, ok := k.val(atUpperBound)
	if !ok {
		return -1
	}
	up := v.int()
	if v.form == formData1 && up == 0xff || v.form == formData2 && up == 0xffff || v.form == formData4 && up == 0xffffffff {
		up = -1 // GCC writes int x[0] as upper bound -1 in the index type's width
	}
	return clampCount(up - k.uint(atLowerBound, 0) + 1)
}

func clampCount(n int64) int64 {
	if n < 0 {
		return 0
	}
	return min(n, maxArrayCount)
}

func (tc *typeCache) funcType(c godwarf.CommonType, e *entry, u *unit, depth int) (godwarf.Type, error) {
	t := &godwarf.FuncType{CommonType: c}
	t.ReflectKind = reflect.Func
	tc.put(e.off, t)
	var err error
	if _, ok := e.val(atType); ok {
		if t.ReturnType, err = tc.ref(e, depth); err != nil {
			return nil, err
		}
	}
	err = tc.dd.children(u, e, func(k *entry) error {
		switch k.tag {
		case tagFormalParam:
			p, err := tc.ref(k, depth)
			t.ParamType = append(t.ParamType, p)
			return err
		case tagUnspecParams:
			t.ParamType = append(t.ParamType, &godwarf.DotDotDotType{})
		}
		return nil
	})
	return t, err
}
