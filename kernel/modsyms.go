package kernel

import (
	"sort"

	"github.com/kdx-dev/kdx/dwarf"
)

// Lookup names the symbol holding addr. For module addresses the module's
// own kallsyms in the dump are the authority: a loaded .ko adds line
// numbers but vmlinux-wide lookups can return a freed init symbol of
// another module over live module text. Elsewhere vmlinux's symbols
// answer.
func (k *Kernel) Lookup(addr uint64) (dwarf.Sym, uint64, bool) {
	m, ok := k.moduleFor(addr)
	if !ok {
		return k.Bin.Lookup(addr)
	}
	if s, off, ok := k.Bin.Lookup(addr); ok && s.Module == m.name {
		return s, off, true
	}
	s, ok := m.lookup(addr)
	if !ok {
		return dwarf.Sym{}, 0, false
	}
	kind := s.kind
	if kind == 0 {
		kind = 't'
	}
	return dwarf.Sym{Name: s.name, Addr: s.addr, Size: s.size, Kind: kind, Module: m.name}, addr - s.addr, true
}

// moduleFor is the module whose core image or text (init text included)
// holds addr.
func (k *Kernel) moduleFor(addr uint64) (*btModule, bool) {
	mods, _ := k.btModules()
	for i := range mods {
		if mods[i].contains(addr) {
			return &mods[i], true
		}
	}
	if lm, ok := k.ModuleAt(addr); ok {
		for i := range mods {
			if mods[i].addr == lm.Addr {
				return &mods[i], true
			}
		}
	}
	return nil, false
}

// Symbolize names addr as "symbol+0xoff [module]".
func (k *Kernel) Symbolize(addr uint64) (string, bool) {
	s, off, ok := k.Lookup(addr)
	if !ok {
		return "", false
	}
	return s.String(off), true
}

// lookupSorted finds the symbol containing addr in syms sorted by address.
func lookupSorted(syms []modSym, addr uint64) (modSym, bool) {
	i := sort.Search(len(syms), func(i int) bool { return syms[i].addr > addr }) - 1
	if i < 0 {
		return modSym{}, false
	}
	s := syms[i]
	if s.size != 0 && addr >= s.addr+s.size {
		return modSym{}, false
	}
	return s, true
}

// kallsymsOf is a module's symbols from its in-memory kallsyms, sorted by
// address.
func (k *Kernel) kallsymsOf(m *Module) []dwarf.Sym {
	mods, _ := k.btModules()
	for i := range mods {
		if mods[i].addr != m.Addr {
			continue
		}
		out := make([]dwarf.Sym, 0, len(mods[i].syms))
		for _, s := range mods[i].syms {
			out = append(out, dwarf.Sym{Name: s.name, Addr: s.addr, Size: s.size, Kind: s.kind, Module: m.Name})
		}
		return out
	}
	return nil
}
