package kernel

import (
	"github.com/kdx-dev/kdx/dwarf"
)

// loadModuleDebug finds the module's .ko and loads its DWARF at the
// section addresses the kernel recorded, so its types and line numbers
// resolve like vmlinux's. A missing .ko is normal (symbols still come
// from the module's in-memory kallsyms); it is recorded, not an error.
func (k *Kernel) loadModuleDebug(m *Module) {
	release := ""
	if k.Info != nil {
		release = k.Info.OSRelease()
	}
	path, err := dwarf.FindModule(m.Name, release, k.modPaths...)
	if err != nil {
		m.DebugError = err.Error()
		return
	}
	if _, err := k.Bin.LoadModule(path, m.Sections); err != nil {
		m.DebugError = err.Error()
		return
	}
	m.DebugInfo = path
}
