package kernel

import (
	"debug/elf"
	"fmt"
	"io"
)

// orcTables is every ORC table of the crashed kernel: vmlinux's and each
// loaded module's.
type orcTables struct {
	layout  *orcLayout
	vmlinux *orcTable
	modules []*orcTable
	// problems are modules whose ORC could not be read; their frames fall
	// back to the stack scan.
	problems []string
}

// find returns the ORC entry for ip and the table (module) it came from.
func (o *orcTables) find(ip uint64) (orcEntry, *orcTable, bool) {
	if o.vmlinux != nil {
		if e, ok := o.vmlinux.find(ip); ok {
			return e, o.vmlinux, true
		}
	}
	for _, m := range o.modules {
		if e, ok := m.find(ip); ok {
			return e, m, true
		}
	}
	return orcEntry{}, nil, false
}

// orc loads the ORC tables once per Kernel.
func (k *Kernel) orc() (*orcTables, error) {
	v, err := k.cached("orc", func() (any, error) { return k.loadORC() })
	if err != nil {
		return nil, err
	}
	return v.(*orcTables), nil
}

func (k *Kernel) loadORC() (*orcTables, error) {
	l, err := newORCLayout(k.Bin.Type)
	if err != nil {
		return nil, err
	}
	o := &orcTables{layout: l}
	if o.vmlinux, err = k.vmlinuxORC(l); err != nil {
		return nil, err
	}
	mods, err := k.btModules()
	if err != nil {
		o.problems = append(o.problems, err.Error())
	}
	for _, m := range mods {
		t, err := k.moduleORC(m, l)
		if err != nil {
			o.problems = append(o.problems, err.Error())
			k.warnf("backtraces: %v (its frames fall back to DWARF CFI or a stack scan)", err)
			continue
		}
		o.modules = append(o.modules, t)
	}
	return o, nil
}

// vmlinuxORC reads .orc_unwind_ip and .orc_unwind from the vmlinux file
// rather than from the dump: the tables are sorted at build time and never
// written at run time, the file is at hand and fast to read, and a filtered
// or partial dump cannot lose them. The build-id check in Open guarantees
// the file is the crashed kernel's.
func (k *Kernel) vmlinuxORC(l *orcLayout) (*orcTable, error) {
	f, err := elf.Open(k.Bin.Path())
	if err != nil {
		return nil, fmt.Errorf("ORC: %w", err)
	}
	defer f.Close()
	ipSec, entSec := f.Section(".orc_unwind_ip"), f.Section(".orc_unwind")
	if ipSec == nil || entSec == nil {
		return nil, fmt.Errorf("ORC: %s has no .orc_unwind_ip/.orc_unwind sections (kernel built without CONFIG_UNWINDER_ORC)", k.Bin.Path())
	}
	const maxSection = 64 << 20 // ~10M entries; Debian's has 92k
	rel, err := readSection(ipSec, maxSection)
	if err != nil {
		return nil, err
	}
	ents, err := readSection(entSec, maxSection)
	if err != nil {
		return nil, err
	}
	off := k.Bin.KASLROffset()
	return newORCTable("", k.vmlinuxText(), ipSec.Addr+off, rel, ents, l)
}

func readSection(s *elf.Section, max uint64) ([]byte, error) {
	if s.Type == elf.SHT_NOBITS || s.Size > max {
		return nil, fmt.Errorf("ORC: section %s: type %v, %d bytes (limit %d)", s.Name, s.Type, s.Size, max)
	}
	b := make([]byte, s.Size)
	if _, err := io.ReadFull(s.Open(), b); err != nil {
		return nil, fmt.Errorf("ORC: section %s: %w", s.Name, err)
	}
	return b, nil
}

// moduleORC reads one module's ORC from struct module.arch in the dump's
// memory, so that modules unwind without their .ko (out-of-tree ones
// included).
func (k *Kernel) moduleORC(m btModule, l *orcLayout) (*orcTable, error) {
	if m.numORCs <= 0 || m.numORCs > maxModuleORCCount {
		return nil, fmt.Errorf("ORC of module %s (struct module %#x): arch.num_orcs = %d (limit %d)", m.name, m.addr, m.numORCs, maxModuleORCCount)
	}
	rel, err := k.ReadBytes(m.orcIP, 4*m.numORCs)
	if err != nil {
		return nil, fmt.Errorf("ORC of module %s: arch.orc_unwind_ip %#x: %w", m.name, m.orcIP, err)
	}
	ents, err := k.ReadBytes(m.orcUnwind, l.size*m.numORCs)
	if err != nil {
		return nil, fmt.Errorf("ORC of module %s: arch.orc_unwind %#x: %w", m.name, m.orcUnwind, err)
	}
	return newORCTable(m.name, m.text, m.orcIP, rel, ents, l)
}
