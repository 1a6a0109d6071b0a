package slab

import (
	"strconv"
	"strings"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
	"github.com/kdx-dev/kdx/dwarf"
)

// objectType is what DWARF says about a cache's objects, when the cache is
// named after its struct (kdx_obj -> struct kdx_obj, task_struct, ...):
// the field at each 8-byte word, and which words are pointers.
type objectType struct {
	name  string         // "struct kdx_obj"
	field map[int]string // word index -> field path ("link.next")
	ptr   map[int]bool   // word index -> the word is a pointer field
}

// maxFlatten bounds how many words of a type are named.
const maxFlatten = 512

// objectTypeOf finds the DWARF type of c's objects by name, or nil. A
// type whose size is not the cache's object size is not it.
func (s *SLUB) objectTypeOf(c *Cache) *objectType {
	name := "struct " + strings.TrimSuffix(c.Name, "_cache")
	t, err := s.k.Type(name)
	if err != nil {
		name = "struct " + c.Name
		if t, err = s.k.Type(name); err != nil {
			return nil
		}
	}
	if t.Size() != int64(c.ObjectSize) {
		return nil
	}
	ot := &objectType{name: name, field: map[int]string{}, ptr: map[int]bool{}}
	ot.flatten(t, 0, "", 0)
	return ot
}

func (ot *objectType) flatten(t godwarf.Type, off int64, path string, depth int) {
	if depth > 8 || off/8 >= maxFlatten {
		return
	}
	switch u := dwarf.Resolve(t).(type) {
	case *godwarf.StructType:
		for _, f := range u.Field {
			p := f.Name
			if path != "" && f.Name != "" {
				p = path + "." + f.Name
			} else if f.Name == "" {
				p = path
			}
			if f.BitSize == 0 {
				ot.flatten(f.Type, off+f.ByteOffset, p, depth+1)
			}
		}
	case *godwarf.ArrayType:
		if u.Count <= 0 || u.Count > 8 || u.Type.Size() <= 0 {
			ot.name8(off, path+"[0]", false)
			return
		}
		for i := int64(0); i < u.Count; i++ {
			ot.flatten(u.Type, off+i*u.Type.Size(), path+"["+strconv.FormatInt(i, 10)+"]", depth+1)
		}
	case *godwarf.PtrType:
		ot.name8(off, path, true)
	default:
		if t.Size() == 8 {
			ot.name8(off, path, false)
		}
	}
}

// name8 names the word at off (first member of a union wins).
func (ot *objectType) name8(off int64, path string, ptr bool) {
	if off%8 != 0 {
		return
	}
	w := int(off / 8)
	if _, ok := ot.field[w]; !ok {
		ot.field[w], ot.ptr[w] = path, ptr
	}
}
