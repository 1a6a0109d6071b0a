package dwarf

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// FormatOptions control Format.
type FormatOptions struct {
	Offsets   bool       // prefix each member with its offset, like crash's struct -o
	MaxDepth  int        // nested structs deeper than this print as {...}; 0 means 8
	MaxArray  int        // array elements shown before "..."; 0 means 32
	MaxString int        // bytes of a char array or string shown; 0 means 256
	Symbolize Symbolizer // annotates pointers with their symbol, if set
	NoDeref   bool       // do not follow char pointers to print their strings (crash does)
}

// Format prints a Value like crash's struct command: nested structs,
// unions and arrays, one member per line, with offsets (from the start of
// the printed object, also for nested members) on request,
// pointers in hex annotated with their symbol, integers in decimal, enums
// by name, and char arrays as strings with control characters escaped.
// The object is read once; an error means it could not be read at all.
// A string a char pointer points at that cannot be read prints its
// error in place.
func Format(v Value, opts FormatOptions) (string, error) {
	if opts.MaxDepth <= 0 {
		opts.MaxDepth = 8
	}
	if opts.MaxArray <= 0 {
		opts.MaxArray = 32
	}
	if opts.MaxString <= 0 {
		opts.MaxString = 256
	}
	v.typ = completeType(v.typ)
	buf, err := v.Bytes()
	if err != nil {
		return "", err
	}
	var bitOff, bitSize int
	if v.bitSize != 0 {
		bitOff, bitSize = int(v.bitOff), int(v.bitSize)
		if buf, err = v.read((int64(bitOff) + int64(bitSize) + 7) / 8); err != nil {
			return "", err
		}
	}
	p := printer{opts: opts, mem: v.mem, top: v.addr}
	head := typeString(v.typ)
	if st, ok := resolve(v.typ).(*godwarf.StructType); ok {
		head = typeString(st)
		p.sb.WriteString(head + " ")
	} else {
		p.sb.WriteString("(" + head + ") ")
	}
	p.value(buf, v.typ, v.addr, bitOff, bitSize, 0)
	p.sb.WriteString("\n")
	return p.sb.String(), nil
}

type printer struct {
	opts FormatOptions
	mem  Reader
	top  uint64 // address of the printed object: offsets are relative to it
	sb   strings.Builder
}

func (p *printer) indent(depth int) {
	for range depth {
		p.sb.WriteString("  ")
	}
}

// value prints one value from buf (its bytes) of type t at addr.
func (p *printer) value(buf []byte, t godwarf.Type, addr uint64, bitOff, bitSize, depth int) {
	switch rt := resolve(t).(type) {
	case *godwarf.StructType:
		p.structValue(buf, rt, addr, depth)
	case *godwarf.ArrayType:
		p.arrayValue(buf, rt, addr, depth)
	case *godwarf.PtrType:
		p.pointer(le(buf, 8), rt)
	case *godwarf.EnumType:
		x := signExtend(le(buf, len(buf)), len(buf)*8)
		p.sb.WriteString(enumName(rt, x))
	case *godwarf.FloatType:
		p.float(buf)
	case *godwarf.BoolType:
		p.sb.WriteString(strconv.FormatBool(le(buf, len(buf)) != 0))
	case *godwarf.FuncType, *godwarf.VoidType:
		p.sb.WriteString("<" + typeString(t) + ">")
	default:
		if !isScalar(rt) {
			p.sb.WriteString("<" + typeString(t) + ">")
			return
		}
		x := le(buf, len(buf))
		width := len(buf) * 8
		if bitSize > 0 {
			x = (x >> bitOff) & (1<<bitSize - 1)
			width = bitSize
		}
		if isSigned(rt) {
			p.sb.WriteString(strconv.FormatInt(signExtend(x, width), 10))
		} else {
			p.sb.WriteString(strconv.FormatUint(x, 10))
		}
	}
}

func (p *printer) structValue(buf []byte, st *godwarf.StructType, addr uint64, depth int) {
	if full, ok := completeType(st).(*godwarf.StructType); ok {
		st = full
	}
	if st.Incomplete {
		p.sb.WriteString("<incomplete " + typeString(st) + ">")
		return
	}
	if depth >= p.opts.MaxDepth {
		p.sb.WriteString("{...}")
		return
	}
	p.sb.WriteString("{\n")
	for _, f := range st.Field {
		p.indent(depth + 1)
		if p.opts.Offsets {
			fmt.Fprintf(&p.sb, "[%#x] ", addr-p.top+uint64(f.ByteOffset))
		}
		if f.Name != "" {
			p.sb.WriteString(f.Name + " = ")
		}
		n := f.ByteSize
		if f.BitSize == 0 {
			n = sizeOf(f.Type)
		}
		if f.ByteOffset < 0 || f.ByteOffset+n > int64(len(buf)) {
			p.sb.WriteString("<beyond the object>,\n")
			continue
		}
		p.value(buf[f.ByteOffset:f.ByteOffset+n], f.Type, addr+uint64(f.ByteOffset), int(f.BitOffset), int(f.BitSize), depth+1)
		p.sb.WriteString(",\n")
	}
	p.indent(depth)
	p.sb.WriteString("}")
}

func (p *printer) arrayValue(buf []byte, at *godwarf.ArrayType, addr uint64, depth int) {
	elem := resolve(at.Type)
	es := sizeOf(at.Type)
	if isChar(elem) && es == 1 {
		n := min(len(buf), p.opts.MaxString)
		p.sb.WriteString(quote(cut0(buf[:n])))
		return
	}
	count := int64(len(buf)) / max(es, 1)
	if at.Count < 0 || es == 0 {
		p.sb.WriteString("{}") // flexible array: no length to print
		return
	}
	_, nested := elem.(*godwarf.StructType)
	_, nestedArr := elem.(*godwarf.ArrayType)
	nested = nested || nestedArr
	p.sb.WriteString("{")
	shown := min(count, int64(p.opts.MaxArray))
	for i := range shown {
		if nested {
			p.sb.WriteString("\n")
			p.indent(depth + 1)
		} else if i > 0 {
			p.sb.WriteString(", ")
		}
		p.value(buf[i*es:(i+1)*es], at.Type, addr+uint64(i*es), 0, 0, depth+1)
		if nested {
			p.sb.WriteString(",")
		}
	}
	if shown < count {
		if nested {
			p.sb.WriteString("\n")
			p.indent(depth + 1)
		} else {
			p.sb.WriteString(", ")
		}
		fmt.Fprintf(&p.sb, "... (%d total)", count)
	}
	if nested {
		p.sb.WriteString("\n")
		p.indent(depth)
	}
	p.sb.WriteString("}")
}

func (p *printer) pointer(x uint64, pt *godwarf.PtrType) {
	p.sb.WriteString("0x" + strconv.FormatUint(x, 16))
	if x == 0 {
		return
	}
	if p.opts.Symbolize != nil {
		if s, ok := p.opts.Symbolize(x); ok {
			p.sb.WriteString(" <" + s + ">")
		}
	}
	if !p.opts.NoDeref && p.mem != nil && isChar(resolve(pt.Type)) {
		s, err := readCString(p.mem, x, p.opts.MaxString)
		if err != nil {
			p.sb.WriteString(" <" + err.Error() + ">")
			return
		}
		p.sb.WriteString(" " + quote(s))
	}
}

func (p *printer) float(buf []byte) {
	switch len(buf) {
	case 4:
		p.sb.WriteString(strconv.FormatFloat(float64(math.Float32frombits(binary.LittleEndian.Uint32(buf))), 'g', -1, 32))
	case 8:
		p.sb.WriteString(strconv.FormatFloat(math.Float64frombits(binary.LittleEndian.Uint64(buf)), 'g', -1, 64))
	default:
		fmt.Fprintf(&p.sb, "<%d-byte float>", len(buf))
	}
}

func isChar(t godwarf.Type) bool {
	switch t.(type) {
	case *godwarf.CharType, *godwarf.UcharType:
		return true
	}
	return false
}

// le reads up to 8 bytes little-endian.
func le(b []byte, n int) uint64 {
	var buf [8]byte
	copy(buf[:], b[:min(n, len(b), 8)])
	return binary.LittleEndian.Uint64(buf[:])
}

func signExtend(x uint64, bits int) int64 {
	if bits <= 0 || bits >= 64 {
		return int64(x)
	}
	shift := uint(64 - bits)
	return int64(x<<shift) >> shift
}

// quote writes s in double quotes, escaping quotes, backslashes, control
// characters and non-ASCII bytes, so a corrupted name cannot garble the
// terminal.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
