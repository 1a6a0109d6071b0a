package dwarf

import (
	"errors"
	"fmt"
	"strings"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// ErrNotFound is wrapped by every "no such type/variable/symbol/field"
// error, so callers probing for version differences can tell absence from
// corruption with errors.Is.
var ErrNotFound = errors.New("not found")

// parseTypeName splits "struct slab" into its index kind and tag name. A
// bare name is ordinary-namespace (typedef or base type); kinds 0 means
// "try typedef, base, struct, union, enum in turn", as crash's struct
// command does.
func parseTypeName(name string) (kinds []uint8, tag string) {
	name = strings.TrimSpace(name)
	for k, p := range kindPrefix {
		if p != "" && strings.HasPrefix(name, p) {
			return []uint8{uint8(k)}, strings.TrimSpace(name[len(p):])
		}
	}
	return []uint8{kindTypedef, kindBase, kindStruct, kindUnion, kindEnum}, name
}

// Type returns the named type: "struct slab", "union thread_union",
// "enum pageflags", a typedef ("pgoff_t"), or a base type ("unsigned
// int"). A bare name that is not a typedef or base type also matches a
// struct, union or enum tag. Vmlinux's definition wins over a module's;
// a complete definition wins over a declaration. Pointer suffixes work:
// "struct page *".
func (b *Binary) Type(name string) (godwarf.Type, error) {
	if t, err := lookupType(b.ix, &b.types, name); err == nil || !errors.Is(err, ErrNotFound) {
		return t, err
	}
	for _, m := range b.Modules() {
		if t, err := m.Type(name); err == nil {
			return t, nil
		}
	}
	return nil, fmt.Errorf("type %q: %w in %s", name, ErrNotFound, b.path)
}

func lookupType(ix *index, tc *typeCache, name string) (godwarf.Type, error) {
	if base, ok := strings.CutSuffix(strings.TrimSpace(name), "*"); ok {
		t, err := lookupType(ix, tc, base)
		if err != nil {
			return nil, err
		}
		return &godwarf.PtrType{CommonType: godwarf.CommonType{ByteSize: 8}, Type: t}, nil
	}
	for _, q := range []string{"const ", "volatile "} {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(name), q); ok {
			t, err := lookupType(ix, tc, rest)
			if err != nil {
				return nil, err
			}
			return &godwarf.QualType{CommonType: godwarf.CommonType{ByteSize: sizeOf(t)}, Qual: strings.TrimSpace(q), Type: t}, nil
		}
	}
	kinds, tag := parseTypeName(name)
	for _, k := range kinds {
		if e, ok := ix.find(k, tag); ok {
			return tc.typeAt(e.die)
		}
		if alias, ok := baseAliases[tag]; ok && k == kindBase {
			if e, ok := ix.find(k, alias); ok {
				return tc.typeAt(e.die)
			}
		}
	}
	return nil, fmt.Errorf("type %q: %w", name, ErrNotFound)
}

// baseAliases maps the usual C spellings of base types to the names GCC
// gives them in DWARF.
var baseAliases = map[string]string{
	"unsigned":           "unsigned int",
	"unsigned long":      "long unsigned int",
	"long":               "long int",
	"signed long":        "long int",
	"unsigned long long": "long long unsigned int",
	"long long":          "long long int",
	"unsigned short":     "short unsigned int",
	"short":              "short int",
	"signed":             "int",
	"signed int":         "int",
}

// HasField reports whether typeName has the (possibly dotted) field path,
// for probing kernel version differences: HasField("struct slab",
// "slab_list").
func (b *Binary) HasField(typeName, fieldPath string) bool {
	_, err := b.FieldOffset(typeName, fieldPath)
	return err == nil
}

// FieldOffset returns the byte offset of a dotted field path ("a.b.c")
// inside typeName. Fields of anonymous struct/union members are found as
// if they were direct members, as in C. Bitfields report the offset of the
// byte holding their first bit.
func (b *Binary) FieldOffset(typeName, fieldPath string) (uint64, error) {
	t, err := b.Type(typeName)
	if err != nil {
		return 0, err
	}
	off, _, err := fieldPathOf(t, fieldPath)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", typeName, err)
	}
	return uint64(off), nil
}

// Field returns the struct field at a dotted path of typeName, with
// ByteOffset relative to the start of typeName.
func (b *Binary) Field(typeName, fieldPath string) (*godwarf.StructField, error) {
	t, err := b.Type(typeName)
	if err != nil {
		return nil, err
	}
	off, f, err := fieldPathOf(t, fieldPath)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", typeName, err)
	}
	g := *f
	g.ByteOffset = off
	return &g, nil
}

// fieldPathOf walks a dotted path through nested structs and unions (not
// through pointers), returning the total offset and the last field.
func fieldPathOf(t godwarf.Type, path string) (int64, *godwarf.StructField, error) {
	var off int64
	var f *godwarf.StructField
	for _, name := range strings.Split(path, ".") {
		st, ok := resolve(completeType(t)).(*godwarf.StructType)
		if !ok {
			return 0, nil, fmt.Errorf("field %q: %s is not a struct or union: %w", name, typeString(t), ErrNotFound)
		}
		fo, ff, ok := findField(st, name, 0)
		if !ok {
			return 0, nil, fmt.Errorf("no field %q in %s: %w", name, typeString(st), ErrNotFound)
		}
		off += fo
		f, t = ff, ff.Type
	}
	return off, f, nil
}

// maxAnonDepth bounds the search through nested anonymous members.
const maxAnonDepth = 16

// findField finds a member by name, descending into anonymous struct and
// union members; the offset returned is relative to st.
func findField(st *godwarf.StructType, name string, depth int) (int64, *godwarf.StructField, bool) {
	for _, f := range st.Field {
		if f.Name == name {
			return f.ByteOffset, f, true
		}
	}
	if depth >= maxAnonDepth {
		return 0, nil, false
	}
	for _, f := range st.Field {
		if f.Name != "" {
			continue
		}
		if inner, ok := godwarf.ResolveTypedef(f.Type).(*godwarf.StructType); ok {
			if off, ff, ok := findField(inner, name, depth+1); ok {
				return f.ByteOffset + off, ff, true
			}
		}
	}
	return 0, nil, false
}

// typeString names a type for messages, in C ("struct slab *").
func typeString(t godwarf.Type) string {
	if t == nil {
		return "<nil type>"
	}
	return CTypeName(t)
}

// Variable returns the runtime address (KASLR offset applied; per-CPU
// variables are offsets into the per-CPU area) and type of a global
// variable.
func (b *Binary) Variable(name string) (uint64, godwarf.Type, error) {
	if e, ok := b.ix.find(kindVar, name); ok {
		t, err := b.types.variableType(e.die)
		if err != nil {
			return 0, nil, fmt.Errorf("variable %s: %w", name, err)
		}
		return b.shift(e.addr), t, nil
	}
	for _, m := range b.Modules() {
		if addr, t, err := m.Variable(name); err == nil {
			return addr, t, nil
		}
	}
	return 0, nil, fmt.Errorf("variable %s: %w in the DWARF of %s", name, ErrNotFound, b.path)
}

// variableType decodes the type of the variable DIE at off.
func (tc *typeCache) variableType(off uint64) (godwarf.Type, error) {
	t, err := tc.variableTypeOff(off)
	if err != nil {
		return nil, err
	}
	return tc.typeAt(t)
}

// variableTypeOff follows DW_AT_specification to the declaration that
// carries the type, and returns the type's DIE offset.
func (tc *typeCache) variableTypeOff(off uint64) (uint64, error) {
	for range 4 {
		e, _, err := tc.dd.entryAt(off)
		if err != nil {
			return 0, err
		}
		if e == nil {
			break
		}
		if v, ok := e.val(atType); ok {
			return v.u, nil
		}
		v, ok := e.val(atSpecification)
		if !ok {
			break
		}
		off = v.u
	}
	return 0, fmt.Errorf(".debug_info+%#x: variable without a type", off)
}

// Sizeof is the byte size of a named type.
func (b *Binary) Sizeof(typeName string) (int64, error) {
	t, err := b.Type(typeName)
	if err != nil {
		return 0, err
	}
	return sizeOf(t), nil
}

// EnumValue returns the value of an enumerator of a named enum type:
// EnumValue("enum pageflags", "PG_slab").
func (b *Binary) EnumValue(enumType, enumerator string) (int64, error) {
	t, err := b.Type(enumType)
	if err != nil {
		return 0, err
	}
	et, ok := resolve(t).(*godwarf.EnumType)
	if !ok {
		return 0, fmt.Errorf("%s is not an enum", enumType)
	}
	for _, v := range et.Val {
		if v.Name == enumerator {
			return v.Val, nil
		}
	}
	return 0, fmt.Errorf("enumerator %s: %w in %s", enumerator, ErrNotFound, enumType)
}

// VariableTypeName is a global variable's runtime address and the C name
// of its type's outermost named layer ("struct list_head", "int"; const
// and volatile looked through; "" for pointers, arrays and the like). It
// reads a few DIEs instead of decoding the type, so a verifier can ask it
// of thousands of variables.
func (b *Binary) VariableTypeName(name string) (uint64, string, error) {
	e, ok := b.ix.find(kindVar, name)
	if !ok {
		return 0, "", fmt.Errorf("variable %s: %w in the DWARF of %s", name, ErrNotFound, b.path)
	}
	t, err := b.types.variableTypeName(e.die)
	return b.shift(e.addr), t, err
}

// VariableTypeName is Binary.VariableTypeName for a module's variable.
func (m *Module) VariableTypeName(name string) (uint64, string, error) {
	if m.dd == nil {
		return 0, "", fmt.Errorf("variable %s: %w: module %s has no DWARF", name, ErrNotFound, m.name)
	}
	e, ok := m.ix.find(kindVar, name)
	if !ok {
		return 0, "", fmt.Errorf("variable %s: %w in module %s", name, ErrNotFound, m.name)
	}
	t, err := m.types.variableTypeName(e.die)
	return e.addr, t, err
}

func (tc *typeCache) variableTypeName(off uint64) (string, error) {
	t, err := tc.variableTypeOff(off)
	if err != nil {
		return "", err
	}
	return tc.typeNameAt(t)
}

// typeNameAt names the type DIE at off, through qualifiers.
func (tc *typeCache) typeNameAt(off uint64) (string, error) {
	for range 4 {
		e, _, err := tc.dd.entryAt(off)
		if err != nil || e == nil {
			return "", err
		}
		switch e.tag {
		case tagConstType, tagVolatileType:
			v, ok := e.val(atType)
			if !ok {
				return "void", nil
			}
			off = v.u
			continue
		case tagStructType, tagUnionType, tagEnumType:
			return kindPrefix[tagKind(e.tag)] + e.name(), nil
		case tagTypedef, tagBaseType:
			return e.name(), nil
		}
		return "", nil
	}
	return "", nil
}
