package dwarf

import (
	"fmt"
	"strings"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// FormatType prints a type's definition as C, like crash's struct command
// given no address: members with their types, anonymous structs and
// unions expanded in place, bitfield widths, and with offsets each
// member's byte offset from the start of the type ("[216]"), as
// `struct -o` shows. It ends with the size line crash prints.
func FormatType(t godwarf.Type, offsets bool) string {
	t = completeType(t)
	var sb strings.Builder
	switch rt := resolve(t).(type) {
	case *godwarf.StructType:
		sb.WriteString(baseName(rt) + " {\n")
		writeMembers(&sb, rt, 0, 1, offsets)
		sb.WriteString("}\n")
	case *godwarf.EnumType:
		sb.WriteString(baseName(rt) + " {\n")
		for _, v := range rt.Val {
			fmt.Fprintf(&sb, "    %s = %d,\n", v.Name, v.Val)
		}
		sb.WriteString("}\n")
	default:
		if td, ok := t.(*godwarf.TypedefType); ok {
			fmt.Fprintf(&sb, "typedef %s;\n", cDecl(td.Type, td.Name, 0))
		} else {
			sb.WriteString(CTypeName(t) + ";\n")
		}
	}
	fmt.Fprintf(&sb, "SIZE: %d\n", sizeOf(t))
	return sb.String()
}

// maxTypeNesting bounds the expansion of anonymous members.
const maxTypeNesting = 16

func writeMembers(sb *strings.Builder, st *godwarf.StructType, base int64, depth int, offsets bool) {
	pad := strings.Repeat("    ", depth)
	for _, f := range st.Field {
		sb.WriteString(pad)
		if offsets {
			fmt.Fprintf(sb, "[%d] ", base+f.ByteOffset)
		}
		inner, anon := resolve(f.Type).(*godwarf.StructType)
		if anon && inner.StructName == "" && depth < maxTypeNesting {
			sb.WriteString(inner.Kind + " {\n")
			writeMembers(sb, inner, base+f.ByteOffset, depth+1, offsets)
			sb.WriteString(pad + "}")
			if f.Name != "" {
				sb.WriteString(" " + f.Name)
			}
			sb.WriteString(";\n")
			continue
		}
		sb.WriteString(cDecl(f.Type, f.Name, 0))
		if f.BitSize > 0 {
			fmt.Fprintf(sb, " : %d", f.BitSize)
		}
		sb.WriteString(";\n")
	}
}
