package kernel

import (
	"fmt"
)

// maxScanFrames bounds the frames a stack scan reports.
const maxScanFrames = 64

// describePC fills in the symbol, module and source line of f.PC. For a
// return address the line is that of the call (PC-1).
func (k *Kernel) describePC(f *Frame, exact bool) {
	// A return address after a call to a noreturn function is already
	// the next symbol: name PC-1 as the kernel's %pB does, then add 1.
	adj := uint64(0)
	if !exact && f.PC > 0 {
		adj = 1
	}
	name, off, mod, ok := k.symbolFor(f.PC - adj)
	if ok {
		off += adj
		f.Func, f.Offset, f.Module = name, off, mod
		f.Symbol = name
		if off != 0 {
			f.Symbol += fmt.Sprintf("+%#x", off)
		}
	}
	if file, line, ok := k.lineFor(f.PC - adj); ok {
		f.File, f.Line = file, line
	}
}

// symbolFor names a text address. Module text is named from the module's
// own kallsyms in the dump, which is authoritative for what lives there
// now (a .ko's symbol table also holds init code the kernel has freed, and
// whose addresses may since belong to another module); vmlinux text from
// the vmlinux symbol table.
func (k *Kernel) symbolFor(pc uint64) (name string, off uint64, module string, ok bool) {
	mods, _ := k.btModules()
	for i := range mods {
		m := &mods[i]
		if !m.contains(pc) {
			continue
		}
		if s, ok := m.lookup(pc); ok {
			return s.name, pc - s.addr, m.name, true
		}
		if s, o, ok := k.Bin.Lookup(pc); ok && s.Module == m.name {
			return s.Name, o, s.Module, true
		}
		return "", 0, m.name, true
	}
	if s, o, ok := k.Bin.Lookup(pc); ok && k.isText(pc) {
		return s.Name, o, s.Module, true
	}
	return "", 0, "", false
}

// scan is the fallback where ORC has nothing: it lists the words of the
// current stack, from SP up, that are kernel text addresses, marked
// unreliable like crash's "bt -t" / the kernel's "?" entries. It does not
// try to resume unwinding from them.
func (u *unwinder) scan(st unwindState, why string) {
	if st.stack < 0 {
		u.finish(why+"; SP is on no known stack, so there is nothing to scan", false)
		return
	}
	s := u.stacks[st.stack]
	n := 0
	for a := st.sp &^ 7; a+8 <= s.hi && n < maxScanFrames && len(u.bt.Frames) < maxFrames; a += 8 {
		v, err := u.word(a)
		if err != nil {
			u.finish(fmt.Sprintf("%s; stack scan stopped at %#x: %v", why, a, err), false)
			return
		}
		if !u.k.isText(v) {
			continue
		}
		f := Frame{Index: len(u.bt.Frames), SP: a, PC: v, Stack: s.name, Unreliable: true, How: "scan"}
		u.k.describePC(&f, false)
		u.bt.Frames = append(u.bt.Frames, f)
		n++
	}
	u.finish(why+"; the frames after it are a stack scan (unreliable, marked ?)", false)
}
