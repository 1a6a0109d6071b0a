package kernel

import (
	"fmt"
	"sort"

	"github.com/kdx-dev/kdx/dwarf"
)

// maxModules and maxSections bound the module walks.
const (
	maxModules  = 10000
	maxSections = 1000
)

// Module is one loaded kernel module.
type Module struct {
	Name       string            `json:"name"`
	Addr       uint64            `json:"addr"` // struct module *
	Base       uint64            `json:"base"` // core text/data start
	Size       uint64            `json:"size"`
	TextSize   uint64            `json:"text_size"`
	State      string            `json:"state"`
	Taints     string            `json:"taints"` // letters, e.g. "OE"
	OutOfTree  bool              `json:"out_of_tree"`
	Unsigned   bool              `json:"unsigned"`
	Sections   map[string]uint64 `json:"sections"`
	DebugInfo  string            `json:"debug_info"` // path of the .ko whose DWARF was loaded, or ""
	DebugError string            `json:"debug_error,omitempty"`
}

// Contains says whether addr is inside the module's core image.
func (m *Module) Contains(addr uint64) bool { return addr >= m.Base && addr-m.Base < m.Size }

// Modules walks the `modules` list and, for each module, loads its .ko's
// debug info when one is found (ModPaths, then /lib/modules and
// /usr/lib/debug/lib/modules for the dump's release). Done once.
func (k *Kernel) Modules() ([]Module, error) {
	v, err := k.cached("modules", func() (any, error) { return k.walkModules() })
	if err != nil {
		return nil, err
	}
	return v.([]Module), nil
}

// ModuleAt is the module whose core image holds addr.
func (k *Kernel) ModuleAt(addr uint64) (*Module, bool) {
	mods, err := k.Modules()
	if err != nil {
		return nil, false
	}
	for i := range mods {
		if mods[i].Contains(addr) {
			return &mods[i], true
		}
	}
	return nil, false
}

func (k *Kernel) walkModules() ([]Module, error) {
	head, err := k.Global("modules")
	if err != nil {
		return nil, fmt.Errorf("modules: %w", err)
	}
	r, err := k.WalkList(head.Addr(), ListOptions{Type: "struct module", Member: "list", Max: maxModules, Name: "modules"})
	if err != nil {
		return nil, fmt.Errorf("modules: %w", err)
	}
	for _, f := range r.Findings {
		k.warnf("modules list: %s", f.String())
	}
	var mods []Module
	for _, e := range r.Entries {
		m, err := k.readModule(e.Entry)
		if err != nil {
			k.warnf("module at %#x: %v", e.Entry, err)
			continue
		}
		mods = append(mods, m)
	}
	sort.Slice(mods, func(i, j int) bool { return mods[i].Base < mods[j].Base })
	for i := range mods {
		k.loadModuleDebug(&mods[i])
	}
	return mods, nil
}

func (k *Kernel) readModule(addr uint64) (Module, error) {
	v, err := k.Object("struct module", addr, fmt.Sprintf("module %#x", addr))
	if err != nil {
		return Module{}, err
	}
	m := Module{Addr: addr}
	if m.Name, err = stringField(v, "name", 64); err != nil {
		return m, err
	}
	if st, err := v.Field("state"); err == nil {
		m.State, _ = st.EnumName()
	}
	k.readModuleLayout(v, &m)
	if taints, err := uintField(v, "taints"); err == nil {
		m.Taints = k.taintLetters(taints)
		m.OutOfTree = taints&(1<<taintOOTModule) != 0
		m.Unsigned = taints&(1<<taintUnsignedModule) != 0
	}
	m.Sections = k.moduleSections(v)
	return m, nil
}

// readModuleLayout reads the core image range: core_layout (up to 6.3) or
// mem[] (6.4+, where text is mem[MOD_TEXT] and data lies elsewhere).
func (k *Kernel) readModuleLayout(v dwarf.Value, m *Module) {
	if k.HasField("struct module", "core_layout") {
		m.Base, _ = ptrField(v, "core_layout.base")
		m.Size, _ = uintField(v, "core_layout.size")
		m.TextSize, _ = uintField(v, "core_layout.text_size")
		return
	}
	if k.HasField("struct module", "mem") {
		mem, err := v.Field("mem")
		if err != nil {
			return
		}
		text, err := mem.Index(0) // MOD_TEXT
		if err != nil {
			return
		}
		m.Base, _ = ptrField(text, "base")
		m.Size, _ = uintField(text, "size")
		m.TextSize = m.Size
	}
}

// moduleSections reads the section addresses the kernel recorded in
// sect_attrs (what /sys/module/NAME/sections shows), which LoadModule
// needs to relocate the .ko's debug info.
func (k *Kernel) moduleSections(v dwarf.Value) map[string]uint64 {
	out := map[string]uint64{}
	sa, err := ptrField(v, "sect_attrs")
	if err != nil || sa == 0 {
		return out
	}
	// By name, not by Deref: the pointer's type in module.h's units is a
	// bare declaration; the definition lives in kernel/module/sysfs.c.
	attrs, err := k.Object("struct module_sect_attrs", sa, v.Path()+".sect_attrs")
	if err != nil {
		return out
	}
	n, err := uintField(attrs, "nsections")
	if err != nil || n > maxSections {
		return out
	}
	arr, err := attrs.Field("attrs")
	if err != nil {
		return out
	}
	et, err := k.Type("struct module_sect_attr")
	if err != nil {
		return out
	}
	// attrs[] is a flexible array: DWARF gives it no length, so step by
	// the element size up to nsections.
	for i := 0; i < int(n); i++ {
		a := dwarf.NewValue(et, arr.Addr()+uint64(i)*uint64(et.Size()), k.Mem, fmt.Sprintf("%s.attrs[%d]", attrs.Path(), i))
		name, err1 := stringField(a, "battr.attr.name", 64)
		addr, err2 := uintField(a, "address")
		if err1 == nil && err2 == nil && name != "" {
			out[name] = addr
		}
	}
	return out
}
