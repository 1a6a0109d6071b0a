package kernel

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// Regs is a register set by struct pt_regs member name ("ip", "sp", "bp",
// "ax", "r8", "cs", "flags", "orig_ax", ...). A register absent from the
// map is unknown.
type Regs map[string]uint64

// UserMode reports whether the registers are of user mode (CPL 3).
func (r Regs) UserMode() bool {
	cs, ok := r["cs"]
	return ok && cs&3 == 3
}

// regsFromCPU renames a dump's CPU registers ("RIP", "EFLAGS", "R8") to
// pt_regs names ("ip", "flags", "r8").
func regsFromCPU(cpu map[string]uint64) Regs {
	r := Regs{}
	for name, v := range cpu {
		n := strings.ToLower(name)
		switch {
		case n == "eflags":
			n = "flags"
		case n == "orig_rax":
			n = "orig_ax"
		case len(n) == 3 && n[0] == 'r' && n[1] >= 'a' && n[1] <= 'z':
			n = n[1:] // rip -> ip, rax -> ax
		}
		r[n] = v
	}
	return r
}

// ptRegsLayout is struct pt_regs from DWARF: member offsets and its size.
type ptRegsLayout struct {
	size   int
	fields map[string]int
	ipOff  int // offset of ip: the start of the hardware iret frame
}

// ptRegs reads struct pt_regs's layout once.
func (k *Kernel) ptRegs() (*ptRegsLayout, error) {
	v, err := k.cached("pt_regs", func() (any, error) {
		t, err := k.Type("struct pt_regs")
		if err != nil {
			return nil, err
		}
		st, ok := godwarf.ResolveTypedef(t).(*godwarf.StructType)
		if !ok || st.ByteSize <= 0 || st.ByteSize > 4096 {
			return nil, fmt.Errorf("struct pt_regs: size %d", t.Size())
		}
		l := &ptRegsLayout{size: int(st.ByteSize), fields: map[string]int{}}
		for _, f := range st.Field {
			if f.ByteSize == 8 && f.ByteOffset >= 0 && f.ByteOffset+8 <= st.ByteSize {
				l.fields[f.Name] = int(f.ByteOffset)
			}
		}
		ip, ok := l.fields["ip"]
		if !ok {
			return nil, fmt.Errorf("struct pt_regs has no 8-byte member ip")
		}
		l.ipOff = ip
		return l, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*ptRegsLayout), nil
}

// decode turns raw bytes of a pt_regs (or its tail from `from` on, for a
// partial frame) into Regs.
func (l *ptRegsLayout) decode(b []byte, from int) Regs {
	r := Regs{}
	for name, off := range l.fields {
		if off >= from && off-from+8 <= len(b) {
			r[name] = binary.LittleEndian.Uint64(b[off-from:])
		}
	}
	return r
}

// regOrder is the order crash prints an exception frame in.
var regOrder = [][]string{
	{"ip", "sp", "flags"},
	{"ax", "bx", "cx"},
	{"dx", "si", "di"},
	{"bp", "r8", "r9"},
	{"r10", "r11", "r12"},
	{"r13", "r14", "r15"},
	{"orig_ax", "cs", "ss"},
}

// Lines formats the registers three to a line, as crash prints a
// pt_regs: "RIP: ffffffffc03e800c  RSP: ffffcab200013dc8  RFLAGS: 00010246".
func (r Regs) Lines() []string {
	var out []string
	for _, row := range regOrder {
		var parts []string
		for _, n := range row {
			v, ok := r[n]
			if !ok {
				continue
			}
			parts = append(parts, fmt.Sprintf(regFormat(n), regLabel(n), v))
		}
		if len(parts) > 0 {
			out = append(out, strings.Join(parts, "  "))
		}
	}
	return out
}

func regLabel(n string) string {
	switch n {
	case "flags":
		return "RFLAGS"
	case "orig_ax":
		return "ORIG_RAX"
	case "cs", "ss":
		return strings.ToUpper(n)
	}
	if n[0] == 'r' {
		return strings.ToUpper(n)
	}
	return "R" + strings.ToUpper(n)
}

// regFormat prints flags and segment selectors at their natural width, as
// crash does ("RFLAGS: 00010246", "CS: 0010").
func regFormat(n string) string {
	switch n {
	case "flags":
		return "%s: %08x"
	case "cs", "ss":
		return "%s: %04x"
	}
	return "%s: %016x"
}
