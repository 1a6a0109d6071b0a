package dwarf

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// Field returns a member by dotted path ("list.next", "oo.x"). Pointers to
// structs on the way are followed (the path shows "->"), so
// v.Field("next.name") on a struct list_head of kmem_caches reads through
// next. Anonymous struct and union members are searched as in C.
//
// Components may be separated by "->" as in C, and may carry array
// subscripts: v.Field("node[0]->partial.next").
func (v Value) Field(path string) (Value, error) {
	cur := v
	for _, comp := range strings.Split(strings.ReplaceAll(path, "->", "."), ".") {
		name, subs, err := splitSubscripts(comp)
		if err != nil {
			return Value{}, v.errorf("field path %q: %w", path, err)
		}
		if cur, err = cur.member(name); err != nil {
			return Value{}, err
		}
		for _, i := range subs {
			if cur, err = cur.Index(i); err != nil {
				return Value{}, err
			}
		}
	}
	return cur, nil
}

// splitSubscripts splits "node[0][1]" into "node" and [0 1].
func splitSubscripts(comp string) (string, []int, error) {
	name, rest, ok := strings.Cut(comp, "[")
	if !ok {
		return comp, nil, nil
	}
	var subs []int
	for _, s := range strings.Split(rest, "[") {
		n, err := strconv.Atoi(strings.TrimSuffix(s, "]"))
		if err != nil || !strings.HasSuffix(s, "]") {
			return "", nil, fmt.Errorf("bad subscript in %q", comp)
		}
		subs = append(subs, n)
	}
	return name, subs, nil
}

// member steps to one named member, dereferencing one pointer level.
func (v Value) member(name string) (Value, error) {
	sep, base := ".", v.path
	t := resolve(v.typ)
	if pt, ok := t.(*godwarf.PtrType); ok {
		if _, ok := resolve(pt.Type).(*godwarf.StructType); ok {
			d, err := v.Deref()
			if err != nil {
				return Value{}, err
			}
			d.path = base // errors below name the pointer, as in n.next: no field ...
			v, t, sep = d, resolve(d.typ), "->"
		}
	}
	st, ok := resolve(completeType(t)).(*godwarf.StructType)
	if !ok {
		return Value{}, v.errorf("field %q: %s is not a struct or union: %w", name, typeString(v.typ), ErrType)
	}
	if st.Incomplete {
		return Value{}, v.errorf("field %q: %s is only declared here (no definition in this DWARF)", name, typeString(st))
	}
	off, f, ok := findField(st, name, 0)
	if !ok {
		return Value{}, v.errorf("no field %q in %s: %w", name, typeString(st), ErrNotFound)
	}
	path := base + sep + name
	if base == "" {
		path = name
	}
	r := Value{typ: f.Type, addr: v.addr + uint64(off), mem: v.mem, path: path}
	if f.BitSize > 0 {
		r.bitOff, r.bitSize = uint8(f.BitOffset), uint8(f.BitSize)
	}
	return r, nil
}

// Deref follows a pointer. A void pointer dereferences to a void Value
// (usable with Cast).
func (v Value) Deref() (Value, error) {
	pt, ok := resolve(v.typ).(*godwarf.PtrType)
	if !ok {
		return Value{}, v.errorf("cannot dereference %s: %w", typeString(v.typ), ErrType)
	}
	p, err := v.Uint()
	if err != nil {
		return Value{}, err
	}
	if p == 0 {
		return Value{}, v.errorf("NULL pointer dereference")
	}
	return Value{typ: completeType(pt.Type), addr: p, mem: v.mem, path: "*" + v.path}, nil
}

// Index returns element i of an array (bounds-checked unless the array is
// flexible) or, for a pointer, the i-th object it points at.
func (v Value) Index(i int) (Value, error) {
	path := fmt.Sprintf("%s[%d]", v.path, i)
	switch t := resolve(v.typ).(type) {
	case *godwarf.ArrayType:
		if t.Count >= 0 && (i < 0 || int64(i) >= t.Count) {
			return Value{}, v.errorf("index %d out of bounds [0, %d)", i, t.Count)
		}
		return Value{typ: t.Type, addr: v.addr + uint64(int64(i)*sizeOf(t.Type)), mem: v.mem, path: path}, nil
	case *godwarf.PtrType:
		p, err := v.Uint()
		if err != nil {
			return Value{}, err
		}
		elem := completeType(t.Type)
		return Value{typ: elem, addr: p + uint64(int64(i)*sizeOf(elem)), mem: v.mem, path: path}, nil
	}
	return Value{}, v.errorf("cannot index %s: %w", typeString(v.typ), ErrType)
}

// Len is the element count of an array (-1 for a flexible array).
func (v Value) Len() (int, error) {
	t, ok := resolve(v.typ).(*godwarf.ArrayType)
	if !ok {
		return 0, v.errorf("%s is not an array: %w", typeString(v.typ), ErrType)
	}
	return int(t.Count), nil
}

// ContainerOf is the kernel's container_of: the typeName object whose
// member (a dotted path) is at this Value. For a pointer Value the
// pointer's target is used (v is then, say, list_head.next); otherwise
// the Value's own address. types resolves typeName (a *Binary or a
// *Module).
func (v Value) ContainerOf(types TypeSource, typeName, member string) (Value, error) {
	t, err := types.Type(typeName)
	if err != nil {
		return Value{}, &PathError{Path: v.path, Addr: v.addr, Err: err}
	}
	off, _, err := fieldPathOf(t, member)
	if err != nil {
		return Value{}, v.errorf("container_of %s: %w", typeName, err)
	}
	at := v.addr
	if _, ok := resolve(v.typ).(*godwarf.PtrType); ok {
		if at, err = v.Uint(); err != nil {
			return Value{}, err
		}
	}
	return Value{typ: t, addr: at - uint64(off), mem: v.mem,
		path: fmt.Sprintf("container_of(%s, %s, %s)", v.path, typeName, member)}, nil
}

// maxCString bounds CString reads when the caller gives no limit.
const maxCString = 4096

// CString reads a NUL-terminated string: a char array's contents (up to
// its length), or what a char pointer points at, at most max bytes
// (max <= 0: 4096). Bytes are returned as they are; printers escape them.
func (v Value) CString(max int) (string, error) {
	if max <= 0 || max > maxValueBytes {
		max = maxCString
	}
	switch t := resolve(v.typ).(type) {
	case *godwarf.ArrayType:
		n := int64(max)
		if t.Count >= 0 {
			n = min(n, t.Count*sizeOf(t.Type))
		}
		b, err := v.read(n)
		if err != nil {
			return "", err
		}
		return cut0(b), nil
	case *godwarf.PtrType:
		p, err := v.Uint()
		if err != nil {
			return "", err
		}
		if p == 0 {
			return "", v.errorf("NULL string pointer")
		}
		s, err := readCString(v.mem, p, max)
		if err != nil {
			return s, &PathError{Path: "*" + v.path, Addr: p, Err: err}
		}
		return s, nil
	}
	return "", v.errorf("%s is not a char array or pointer: %w", typeString(v.typ), ErrType)
}

func cut0(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// readCString reads up to max bytes at addr, stopping at a NUL. It reads
// in chunks that do not cross a page, so a string near the end of mapped
// memory still reads.
func readCString(mem Reader, addr uint64, max int) (string, error) {
	var out []byte
	for len(out) < max {
		n := min(int(4096-(addr+uint64(len(out)))%4096), max-len(out))
		buf := make([]byte, n)
		if err := readFull(mem, buf, addr+uint64(len(out))); err != nil {
			return string(out), err
		}
		if i := bytes.IndexByte(buf, 0); i >= 0 {
			return string(append(out, buf[:i]...)), nil
		}
		out = append(out, buf...)
	}
	return string(out), nil
}

// Resolve strips typedefs and qualifiers (const, volatile) from t, for
// callers outside this package that walk types themselves.
func Resolve(t godwarf.Type) godwarf.Type { return resolve(t) }

// resolve strips typedefs and qualifiers.
func resolve(t godwarf.Type) godwarf.Type {
	for range 64 {
		switch tt := t.(type) {
		case *godwarf.TypedefType:
			t = tt.Type
		case *godwarf.QualType:
			t = tt.Type
		default:
			return t
		}
	}
	return t
}

// sizeOf is a type's size, never negative (godwarf reports -size for
// flexible arrays).
func sizeOf(t godwarf.Type) int64 {
	if t == nil {
		return 0
	}
	return max(0, t.Size())
}

func isScalar(t godwarf.Type) bool {
	switch resolve(t).(type) {
	case *godwarf.IntType, *godwarf.UintType, *godwarf.CharType, *godwarf.UcharType,
		*godwarf.BoolType, *godwarf.EnumType, *godwarf.PtrType, *godwarf.AddrType, *godwarf.UnspecifiedType:
		return true
	}
	return false
}

func isSigned(t godwarf.Type) bool {
	switch resolve(t).(type) {
	case *godwarf.IntType, *godwarf.CharType, *godwarf.EnumType:
		return true
	}
	return false
}

// Member is one member of a struct or union Value, for browsers that
// expand a value field by field.
type Member struct {
	Name   string // "" for an anonymous struct or union member
	Offset int64  // from the start of the enclosing Value
	Value  Value
}

// Members lists the direct members of a struct or union Value (through a
// pointer to one, which is dereferenced), in declaration order.
// Anonymous members are listed as themselves, not flattened.
func (v Value) Members() ([]Member, error) {
	t := resolve(completeType(v.typ))
	if pt, ok := t.(*godwarf.PtrType); ok {
		if _, ok := resolve(pt.Type).(*godwarf.StructType); ok {
			d, err := v.Deref()
			if err != nil {
				return nil, err
			}
			d.path = v.path
			return d.members("->")
		}
	}
	return v.members(".")
}

func (v Value) members(sep string) ([]Member, error) {
	st, ok := resolve(completeType(v.typ)).(*godwarf.StructType)
	if !ok || st.Incomplete {
		return nil, v.errorf("%s has no members: %w", typeString(v.typ), ErrType)
	}
	out := make([]Member, 0, len(st.Field))
	for _, f := range st.Field {
		path := v.path + sep + f.Name
		if f.Name == "" {
			path = v.path
		}
		m := Value{typ: f.Type, addr: v.addr + uint64(f.ByteOffset), mem: v.mem, path: path}
		if f.BitSize > 0 {
			m.bitOff, m.bitSize = uint8(f.BitOffset), uint8(f.BitSize)
		}
		out = append(out, Member{Name: f.Name, Offset: f.ByteOffset, Value: m})
	}
	return out, nil
}
