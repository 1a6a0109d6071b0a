package dwarf

import (
	"strconv"
	"strings"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// CTypeName spells a type as C does ("struct page *", "char [16]",
// "void (*)(struct work_struct *)"), for messages and printers; godwarf's
// String methods spell pointers Go style ("*struct page").
func CTypeName(t godwarf.Type) string {
	return cDecl(t, "", 0)
}

// maxDeclDepth bounds the spelling of (corrupt) self-referencing types.
const maxDeclDepth = 16

// cDecl spells a declaration of inner (a name or an abstract declarator)
// with type t, building outwards like C declarators.
func cDecl(t godwarf.Type, inner string, depth int) string {
	if depth > maxDeclDepth || t == nil {
		return strings.TrimSpace("? " + inner)
	}
	switch tt := t.(type) {
	case *godwarf.PtrType:
		switch tt.Type.(type) {
		case *godwarf.ArrayType, *godwarf.FuncType:
			return cDecl(tt.Type, "(*"+inner+")", depth+1)
		}
		return cDecl(tt.Type, "*"+inner, depth+1)
	case *godwarf.ArrayType:
		n := ""
		if tt.Count >= 0 {
			n = strconv.FormatInt(tt.Count, 10)
		}
		return cDecl(tt.Type, inner+"["+n+"]", depth+1)
	case *godwarf.FuncType:
		params := make([]string, len(tt.ParamType))
		for i, p := range tt.ParamType {
			params[i] = cDecl(p, "", depth+1)
		}
		ret := tt.ReturnType
		if ret == nil {
			ret = &godwarf.VoidType{CommonType: godwarf.CommonType{Name: "void"}}
		}
		return cDecl(ret, inner+"("+strings.Join(params, ", ")+")", depth+1)
	case *godwarf.QualType:
		if _, ok := tt.Type.(*godwarf.PtrType); ok {
			return cDecl(tt.Type, tt.Qual+" "+inner, depth+1) // char *const p
		}
		return tt.Qual + " " + cDecl(tt.Type, inner, depth+1)
	}
	return join(baseName(t), inner)
}

func baseName(t godwarf.Type) string {
	switch tt := t.(type) {
	case *godwarf.StructType:
		if tt.StructName == "" {
			return tt.Kind + " {...}"
		}
		return tt.Kind + " " + tt.StructName
	case *godwarf.EnumType:
		if tt.EnumName == "" {
			return "enum {...}"
		}
		return "enum " + tt.EnumName
	case *godwarf.VoidType:
		return "void"
	case *godwarf.DotDotDotType:
		return "..."
	}
	if n := t.Common().Name; n != "" {
		return n
	}
	return t.String()
}

func join(base, inner string) string {
	if inner == "" {
		return base
	}
	return base + " " + inner
}
