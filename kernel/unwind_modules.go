package kernel

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"

	"github.com/kdx-dev/kdx/dwarf"
)

// btModule is what the unwinder needs of one struct module: its text, its
// ORC tables and its own symbol table (mod->kallsyms), all read from the
// dump so that a module without a .ko still unwinds and symbolizes.
type btModule struct {
	name      string
	addr      uint64      // struct module *
	text      [][2]uint64 // core text, then init text while it exists
	numORCs   int
	orcIP     uint64 // int *orc_unwind_ip
	orcUnwind uint64 // struct orc_entry *orc_unwind
	syms      []modSym
}

// modSym is one function symbol of a module's kallsyms.
type modSym struct {
	name       string
	addr, size uint64
	kind       byte // 't' function, 'd' data object (nm letters)
}

// btModules walks the kernel's `modules` list once.
func (k *Kernel) btModules() ([]btModule, error) {
	v, err := k.cached("bt-modules", func() (any, error) { return k.walkBTModules() })
	mods, _ := v.([]btModule)
	return mods, err
}

// walkBTModules reads the unwinder's view of each module that Modules
// found (one walk of the modules list serves every feature).
func (k *Kernel) walkBTModules() ([]btModule, error) {
	list, err := k.Modules()
	if err != nil {
		return nil, err
	}
	var mods []btModule
	for _, lm := range list {
		m, err := k.readBTModule(lm.Addr)
		if err != nil {
			return mods, err
		}
		mods = append(mods, m)
	}
	return mods, nil
}

// readBTModule reads the fields the unwinder needs. The text range is
// core_layout (up to 6.3) or mem[MOD_TEXT] (6.4+, index 0).
func (k *Kernel) readBTModule(addr uint64) (btModule, error) {
	v, err := k.Object("struct module", addr, fmt.Sprintf("module %#x", addr))
	if err != nil {
		return btModule{}, err
	}
	m := btModule{addr: addr}
	if m.name, err = stringField(v, "name", 64); err != nil {
		return m, err
	}
	if m.text, err = k.moduleText(v); err != nil {
		return m, fmt.Errorf("module %s: %w", m.name, err)
	}
	n, _ := uintField(v, "arch.num_orcs")
	m.numORCs = int(min(n, 1<<31))
	m.orcIP, _ = ptrField(v, "arch.orc_unwind_ip")
	m.orcUnwind, _ = ptrField(v, "arch.orc_unwind")
	m.syms = k.moduleKallsyms(v, m.name)
	return m, nil
}

// moduleText is the module's core text and, while it is loaded, its init
// text (a module that crashes in its init function runs there). Up to 6.3
// these are core_layout and init_layout (base, text_size); from 6.4
// mem[MOD_TEXT] and mem[MOD_INIT_TEXT] (base, size), the indexes taken
// from enum mod_mem_type.
func (k *Kernel) moduleText(v dwarf.Value) ([][2]uint64, error) {
	var out [][2]uint64
	add := func(l dwarf.Value, sizeField string) {
		base, err1 := ptrField(l, "base")
		size, err2 := uintField(l, sizeField)
		if err1 == nil && err2 == nil && base != 0 && size != 0 && base+size > base {
			out = append(out, [2]uint64{base, base + size})
		}
	}
	if core, err := v.Field("core_layout"); err == nil {
		add(core, "text_size")
		if init, err := v.Field("init_layout"); err == nil {
			add(init, "text_size")
		}
	} else {
		mem, err := v.Field("mem")
		if err != nil {
			return nil, err
		}
		for _, name := range []string{"MOD_TEXT", "MOD_INIT_TEXT"} {
			i, err := k.Bin.EnumValue("enum mod_mem_type", name)
			if err != nil {
				return nil, err
			}
			if l, err := mem.Index(int(i)); err == nil {
				add(l, "size")
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no text range")
	}
	return out, nil
}

// contains reports whether pc is in the module's text.
func (m *btModule) contains(pc uint64) bool {
	for _, r := range m.text {
		if pc >= r[0] && pc < r[1] {
			return true
		}
	}
	return false
}

// maxModSyms caps a module's symbol count read from the dump.
const maxModSyms = 1 << 18

// moduleKallsyms reads mod->kallsyms: an array of Elf64_Sym with its
// string table, in the module's own memory.
func (k *Kernel) moduleKallsyms(v dwarf.Value, name string) []modSym {
	ks, err := v.Field("kallsyms")
	if err != nil {
		return nil
	}
	ks, err = ks.Deref()
	if err != nil {
		return nil
	}
	n, err := uintField(ks, "num_symtab")
	if err != nil || n == 0 || n > maxModSyms {
		return nil
	}
	symtab, err1 := ptrField(ks, "symtab")
	strtab, err2 := ptrField(ks, "strtab")
	symT, err3 := k.Type("Elf64_Sym")
	if err1 != nil || err2 != nil || err3 != nil {
		return nil
	}
	esz := uint64(symT.Size())
	raw, err := k.ReadBytes(symtab, int(n*esz))
	if err != nil {
		return nil
	}
	return k.decodeModSyms(raw, esz, strtab)
}

// elfSymLayout is where Elf64_Sym keeps the members kdx reads. The
// record layout is the ELF ABI's, looked up in DWARF like any other.
type elfSymLayout struct {
	size, name, info, value, symSize uint64
}

func (k *Kernel) elfSymLayout(esz uint64) (elfSymLayout, bool) {
	l := elfSymLayout{size: esz}
	var errs [4]error
	l.name, errs[0] = k.Bin.FieldOffset("Elf64_Sym", "st_name")
	l.info, errs[1] = k.Bin.FieldOffset("Elf64_Sym", "st_info")
	l.value, errs[2] = k.Bin.FieldOffset("Elf64_Sym", "st_value")
	l.symSize, errs[3] = k.Bin.FieldOffset("Elf64_Sym", "st_size")
	for _, e := range errs {
		if e != nil {
			return l, false
		}
	}
	return l, l.valid()
}

// valid says every member lies inside a record.
func (l elfSymLayout) valid() bool {
	return l.size > 0 && l.size <= 256 && l.name+4 <= l.size && l.info+1 <= l.size &&
		l.value+8 <= l.size && l.symSize+8 <= l.size
}

func (k *Kernel) decodeModSyms(raw []byte, esz, strtab uint64) []modSym {
	l, ok := k.elfSymLayout(esz)
	if !ok {
		return nil
	}
	return decodeModSyms(raw, l, func(off uint64) (string, error) { return k.shortString(strtab + off) })
}

// decodeModSyms turns raw Elf64_Sym records (from the dump) into the
// module's function symbols, sorted by address; nameAt reads a name by
// its string-table offset.
func decodeModSyms(raw []byte, l elfSymLayout, nameAt func(uint64) (string, error)) []modSym {
	if !l.valid() {
		return nil
	}
	le := binary.LittleEndian
	var out []modSym
	for o := uint64(0); o+l.size <= uint64(len(raw)); o += l.size {
		r := raw[o : o+l.size]
		kind := byte(0)
		switch r[l.info] & 0xf { // ELF ABI symbol types
		case 2: // STT_FUNC
			kind = 't'
		case 1: // STT_OBJECT
			kind = 'd'
		default:
			continue
		}
		addr := le.Uint64(r[l.value:])
		nm, err := nameAt(uint64(le.Uint32(r[l.name:])))
		if err != nil || nm == "" || addr == 0 {
			continue
		}
		out = append(out, modSym{name: nm, addr: addr, size: le.Uint64(r[l.symSize:]), kind: kind})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].addr < out[j].addr })
	return out
}

// lookup finds the module symbol containing addr.
func (m *btModule) lookup(addr uint64) (modSym, bool) { return lookupSorted(m.syms, addr) }

// shortString reads a NUL-terminated symbol name of at most 127 bytes,
// shortening the read when it would run into unreadable memory.
func (k *Kernel) shortString(addr uint64) (string, error) {
	var buf [128]byte
	n := len(buf)
	if rem := int(4096 - addr%4096); rem < n {
		if _, err := k.Mem.ReadAt(buf[:n], addr); err != nil {
			n = rem
		}
	}
	if _, err := k.Mem.ReadAt(buf[:n], addr); err != nil {
		return "", err
	}
	if i := bytes.IndexByte(buf[:n], 0); i >= 0 {
		return string(buf[:i]), nil
	}
	return "", fmt.Errorf("symbol name at %#x: no NUL in %d bytes", addr, n)
}
