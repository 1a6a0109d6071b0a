package dwarf

import (
	"fmt"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// Module is a kernel module's .ko loaded at the section addresses the
// running kernel gave it: its symbols carry runtime addresses and its
// DWARF (relocated the same way) resolves its own types and variables.
//
// A Module is also added to the Binary it was loaded into, so that
// b.Type, b.Variable, b.Symbol and b.Lookup find module names after
// vmlinux's: the kernel layer can resolve "struct kdx_victim" or a module
// function address without knowing which module holds it. Use the Module's
// own methods to ask one module only.
type Module struct {
	name    string
	path    string
	buildID string
	dd      *debugData // nil when the .ko has no DWARF
	ix      *index
	syms    *symtab
	types   typeCache
}

// Name is the module name (from .modinfo "name=", else the file name).
func (m *Module) Name() string { return m.name }

// Path is the .ko file the module was loaded from.
func (m *Module) Path() string { return m.path }

// BuildID is the module's GNU build-id in hex, or "".
func (m *Module) BuildID() string { return m.buildID }

// HasDWARF reports whether the .ko carried debug info (Debian's in-tree
// modules are stripped of it; the -dbg package has it).
func (m *Module) HasDWARF() bool { return m.dd != nil }

// Modules lists the modules loaded into b, in load order.
func (b *Binary) Modules() []*Module {
	b.modMu.RLock()
	defer b.modMu.RUnlock()
	return append([]*Module(nil), b.modules...)
}

// Type resolves a type in the module's own DWARF (see Binary.Type).
func (m *Module) Type(name string) (godwarf.Type, error) {
	if m.dd == nil {
		return nil, fmt.Errorf("type %q: %w: module %s has no DWARF", name, ErrNotFound, m.name)
	}
	t, err := lookupType(m.ix, &m.types, name)
	if err != nil {
		return nil, fmt.Errorf("module %s: %w", m.name, err)
	}
	return t, nil
}

// Variable returns the runtime address and type of a module global.
func (m *Module) Variable(name string) (uint64, godwarf.Type, error) {
	if m.dd == nil {
		return 0, nil, fmt.Errorf("variable %s: %w: module %s has no DWARF", name, ErrNotFound, m.name)
	}
	e, ok := m.ix.find(kindVar, name)
	if !ok {
		return 0, nil, fmt.Errorf("variable %s: %w in module %s", name, ErrNotFound, m.name)
	}
	t, err := m.types.variableType(e.die)
	if err != nil {
		return 0, nil, fmt.Errorf("module %s: variable %s: %w", m.name, name, err)
	}
	return e.addr, t, nil
}

// Symbol returns the runtime address of one of the module's symbols.
func (m *Module) Symbol(name string) (uint64, bool) {
	e, ok := m.syms.lookupName(name)
	if !ok {
		return 0, false
	}
	return e.addr, true
}

// Lookup names the module symbol containing a runtime address.
func (m *Module) Lookup(addr uint64) (Sym, uint64, bool) {
	e, ok := m.syms.lookupAddr(addr)
	if !ok {
		return Sym{}, 0, false
	}
	return m.syms.sym(e, m.name), addr - e.addr, true
}

// LoadModule loads a .ko at the given section addresses (section name ->
// runtime address, as the kernel records in struct module's sect_attrs or
// /sys/module/<name>/sections/) and adds it to b, replacing a module of
// the same name. Sections absent from the map are treated as not loaded: their symbols are dropped and DWARF
// references to them relocate to 0 (so a variable there has no address).
// The .ko may be zstd- or gzip-compressed (.ko.zst, .ko.gz); .ko.xz is
// refused with a message saying to decompress it.
func (b *Binary) LoadModule(koPath string, sectionAddrs map[string]uint64) (*Module, error) {
	m, err := loadModule(koPath, sectionAddrs)
	if err != nil {
		return nil, err
	}
	m.types.outer = b.types.lookupComplete // declarations of vmlinux types
	b.modMu.Lock()
	defer b.modMu.Unlock()
	for i, old := range b.modules {
		if old.name == m.name { // loaded again (other addresses, another file)
			b.modules[i] = m
			return m, nil
		}
	}
	b.modules = append(b.modules, m)
	return m, nil
}
