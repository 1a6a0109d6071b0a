package dwarf

import (
	"sync"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// A unit that only declares a struct ("struct module_sect_attrs;" in
// module.h) describes pointers to it with a declaration: an incomplete
// StructType without fields. Like C's linker-level view of types, the
// definition another unit has is used in its place. Completion is lazy,
// where a value or field path needs the members: decoding every pointer's
// completed target eagerly would pull most of the kernel's type graph into
// the first lookup.
//
// declOwners maps each incomplete StructType this package decoded to the
// typeCache that can complete it.
var declOwners sync.Map // *godwarf.StructType -> *typeCache

// completeType returns the definition for an incomplete struct or union
// (through typedefs and qualifiers), or t itself.
func completeType(t godwarf.Type) godwarf.Type {
	st, ok := resolve(t).(*godwarf.StructType)
	if !ok || !st.Incomplete {
		return t
	}
	owner, ok := declOwners.Load(st)
	if !ok {
		return t
	}
	kind := kindStruct
	if st.Kind == "union" {
		kind = kindUnion
	}
	if full, ok := owner.(*typeCache).lookupComplete(kind, st.StructName); ok {
		return full
	}
	return t
}
