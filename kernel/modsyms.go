package kernel

import (
	"fmt"
	"sort"

	"github.com/kdx-dev/kdx/dwarf"
)

// maxKallsyms bounds one module's kallsyms table.
const maxKallsyms = 1 << 20

// Lookup names the symbol holding addr: vmlinux and loaded .ko files
// first, then the module's own kallsyms in the dump, so that a module
// without a .ko at hand still symbolizes.
func (k *Kernel) Lookup(addr uint64) (dwarf.Sym, uint64, bool) {
	if s, off, ok := k.Bin.Lookup(addr); ok {
		return s, off, true
	}
	m, ok := k.ModuleAt(addr)
	if !ok {
		return dwarf.Sym{}, 0, false
	}
	syms := k.kallsymsOf(m)
	i := sort.Search(len(syms), func(i int) bool { return syms[i].Addr > addr }) - 1
	if i < 0 {
		return dwarf.Sym{}, 0, false
	}
	s := syms[i]
	if s.Size != 0 && addr-s.Addr >= s.Size {
		return dwarf.Sym{}, 0, false
	}
	return s, addr - s.Addr, true
}

// Symbolize names addr as "symbol+0xoff [module]".
func (k *Kernel) Symbolize(addr uint64) (string, bool) {
	s, off, ok := k.Lookup(addr)
	if !ok {
		return "", false
	}
	return s.String(off), true
}

// kallsymsOf reads a module's symbol table from its in-memory
// mod_kallsyms (symtab, strtab, typetab), sorted by address. Cached.
func (k *Kernel) kallsymsOf(m *Module) []dwarf.Sym {
	v, _ := k.cached(fmt.Sprintf("modsyms:%#x", m.Addr), func() (any, error) {
		syms, err := k.readModuleKallsyms(m)
		if err != nil {
			k.warnf("module %s kallsyms: %v", m.Name, err)
		}
		return syms, nil
	})
	return v.([]dwarf.Sym)
}

func (k *Kernel) readModuleKallsyms(m *Module) ([]dwarf.Sym, error) {
	mod, err := k.Object("struct module", m.Addr, "module "+m.Name)
	if err != nil {
		return nil, err
	}
	ksp, err := ptrField(mod, "kallsyms")
	if err != nil || ksp == 0 {
		return nil, fmt.Errorf("no kallsyms pointer (%v)", err)
	}
	ks, err := k.Object("struct mod_kallsyms", ksp, "kallsyms")
	if err != nil {
		return nil, err
	}
	n, err := uintField(ks, "num_symtab")
	if err != nil || n > maxKallsyms {
		return nil, fmt.Errorf("num_symtab %d out of range (%v)", n, err)
	}
	symT, err := k.Type("Elf64_Sym")
	if err != nil {
		return nil, err
	}
	symtab, err1 := ptrField(ks, "symtab")
	strtab, err2 := ptrField(ks, "strtab")
	typetab, _ := ptrField(ks, "typetab")
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("symtab/strtab unreadable")
	}
	raw, err := k.ReadBytes(symtab, int(n)*int(symT.Size()))
	if err != nil {
		return nil, err
	}
	types, _ := k.ReadBytes(typetab, int(n))
	var out []dwarf.Sym
	for i := uint64(1); i < n; i++ { // entry 0 is the null symbol
		e := dwarf.NewValue(symT, i*uint64(symT.Size()), bytesReader(raw), "Elf64_Sym")
		s, ok := k.modSym(e, strtab, m.Name)
		if !ok {
			continue
		}
		if int(i) < len(types) {
			s.Kind = types[i]
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Addr < out[j].Addr })
	return out, nil
}

func (k *Kernel) modSym(e dwarf.Value, strtab uint64, module string) (dwarf.Sym, bool) {
	name, err1 := uintField(e, "st_name")
	value, err2 := uintField(e, "st_value")
	size, _ := uintField(e, "st_size")
	if err1 != nil || err2 != nil || value == 0 || name == 0 {
		return dwarf.Sym{}, false
	}
	b := make([]byte, 128)
	n, _ := k.Mem.ReadAt(b, strtab+name)
	for i := 0; i < n; i++ {
		if b[i] == 0 {
			n = i
			break
		}
	}
	if n == 0 {
		return dwarf.Sym{}, false
	}
	return dwarf.Sym{Name: string(b[:n]), Addr: value, Size: size, Module: module}, true
}
