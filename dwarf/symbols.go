package dwarf

import "fmt"

// Symbol returns the runtime address of an ELF symbol of vmlinux or of a
// loaded module (vmlinux first).
func (b *Binary) Symbol(name string) (uint64, bool) {
	if b.dd.closed.Load() { // the string table was in the mapping
		return 0, false
	}
	if e, ok := b.syms.lookupName(name); ok {
		return b.shift(e.addr), true
	}
	for _, m := range b.Modules() {
		if a, ok := m.Symbol(name); ok {
			return a, true
		}
	}
	return 0, false
}

// Lookup names the symbol containing a runtime address, searching vmlinux
// and then the loaded modules; off is addr minus the symbol's address.
// Per-CPU and absolute symbols are never returned (their values are not
// addresses).
func (b *Binary) Lookup(addr uint64) (sym Sym, off uint64, ok bool) {
	if b.dd.closed.Load() {
		return Sym{}, 0, false
	}
	if e, ok := b.syms.lookupAddr(b.unshift(addr)); ok && addr >= kernelImageStart {
		s := b.syms.sym(e, "")
		s.Addr = b.shift(s.Addr)
		return s, addr - s.Addr, true
	}
	for _, m := range b.Modules() {
		if s, off, ok := m.Lookup(addr); ok {
			return s, off, true
		}
	}
	return Sym{}, 0, false
}

// Symbolize formats an address as "name+0xoff" ("name" at offset 0), or
// returns ok false; it is a Symbolizer.
func (b *Binary) Symbolize(addr uint64) (string, bool) {
	s, off, ok := b.Lookup(addr)
	if !ok {
		return "", false
	}
	return s.String(off), true
}

// String formats the symbol plus an offset, with the module in brackets
// as the kernel prints it: "kdx_plant+0x10 [kdxplant]".
func (s Sym) String(off uint64) string {
	r := s.Name
	if off != 0 {
		r += fmt.Sprintf("+%#x", off)
	}
	if s.Module != "" {
		r += " [" + s.Module + "]"
	}
	return r
}

func (st *symtab) sym(e *symEnt, module string) Sym {
	return Sym{Name: displayName(st.name(e)), Addr: e.addr, Size: e.size, Kind: e.kind, Module: module}
}

// DataSymbols calls fn for every sized symbol of writable data or bss
// (nm kinds D, d, B, b) of vmlinux and of each loaded module, with runtime
// addresses, in address order per binary. Per-CPU symbols (offsets, not
// addresses) are not among them. A verifier walks the globals this way
// without decoding the type of every variable.
func (b *Binary) DataSymbols(fn func(Sym)) {
	if b.dd.closed.Load() {
		return
	}
	b.syms.dataSymbols("", func(s Sym) {
		s.Addr = b.shift(s.Addr)
		fn(s)
	})
	for _, m := range b.Modules() {
		m.syms.dataSymbols(m.name, fn)
	}
}

func (st *symtab) dataSymbols(module string, fn func(Sym)) {
	for i := range st.byAddr {
		e := &st.byAddr[i]
		switch e.kind {
		case 'D', 'd', 'B', 'b':
			if e.size > 0 {
				fn(st.sym(e, module))
			}
		}
	}
}
