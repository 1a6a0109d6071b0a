package dwarf

import (
	"debug/elf"
	"strings"
	"testing"

	"github.com/kdx-dev/kdx/internal/fixture"
)

// kdxplantSections places the fixture module's sections as the kernel
// might: each allocated section at its own page in the module area.
func kdxplantSections(t *testing.T, path string) map[string]uint64 {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	addrs := map[string]uint64{}
	next := uint64(0xffffffffc0400000)
	for _, s := range f.Sections {
		if s.Flags&elf.SHF_ALLOC != 0 && !strings.HasPrefix(s.Name, ".init") {
			addrs[s.Name] = next
			next += (s.Size + 0xfff) &^ 0xfff
		}
	}
	return addrs
}

func TestLoadModule(t *testing.T) {
	openFixture(t) // the shared cache directory
	b, err := Open(fixture.Vmlinux(t))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ko := fixture.Module(t)
	secs := kdxplantSections(t, ko)
	m, err := b.LoadModule(ko, secs)
	if err != nil {
		t.Fatal(err)
	}
	if m.Name() != "kdxplant" || !m.HasDWARF() || len(m.BuildID()) != 40 {
		t.Errorf("module %q DWARF %v build-id %q", m.Name(), m.HasDWARF(), m.BuildID())
	}
	// The module's own types resolve, through the module and through b.
	for _, tc := range []struct{ typ, field string }{
		{"struct kdx_obj", "link"}, {"struct kdx_obj", "peer"}, {"struct kdx_node", "owner"},
		{"struct kdx_cache_node", "partial"},
	} {
		if _, err := m.Type(tc.typ); err != nil {
			t.Errorf("module Type(%s): %v", tc.typ, err)
		}
		if !b.HasField(tc.typ, tc.field) {
			t.Errorf("b.HasField(%s, %s) = false", tc.typ, tc.field)
		}
	}
	// vmlinux wins for a name both define; the module's own is there too.
	vs, _ := b.Type("struct slab")
	ms, err := m.Type("struct slab")
	if err != nil || vs == ms {
		t.Errorf("module struct slab: %v (same as vmlinux's: %v)", err, vs == ms)
	}
	// Symbols and DWARF variables agree on relocated addresses.
	for _, name := range []string{"kdx_list", "kdx_live", "kdx_nfreed", "kdx_cache"} {
		va, vt, err := b.Variable(name)
		sa, ok := b.Symbol(name)
		if err != nil || !ok || va != sa || va < 0xffffffffc0400000 {
			t.Errorf("%s: Variable %#x %v %v, Symbol %#x %v", name, va, vt, err, sa, ok)
		}
	}
	fn, ok := m.Symbol("kdx_build_state")
	if !ok || fn < secs[".text"] || fn >= secs[".text"]+0x100000 {
		t.Fatalf("kdx_build_state at %#x %v (.text at %#x)", fn, ok, secs[".text"])
	}
	if s, ok := b.Symbolize(fn + 3); !ok || s != "kdx_build_state+0x3 [kdxplant]" {
		t.Errorf("Symbolize = %q %v", s, ok)
	}
	if file, line, ok := b.LineFor(fn + 3); !ok || !strings.HasSuffix(file, "state.c") || line <= 0 {
		t.Errorf("LineFor(kdx_build_state+3) = %s:%d %v", file, line, ok)
	}
	// Loading again replaces the module rather than adding a second.
	if _, err := b.LoadModule(ko, secs); err != nil || len(b.Modules()) != 1 {
		t.Errorf("reload: %d modules, %v", len(b.Modules()), err)
	}
	// An init function's section was not given: its symbol is dropped.
	if _, ok := m.Symbol("kdx_init"); ok {
		t.Error("kdx_init resolved although .init.text is not loaded")
	}
}

func TestLoadModuleStripped(t *testing.T) {
	path := "/lib/modules/" + fixture.Release + "/kernel/fs/fat/vfat.ko"
	m, err := loadModule(path, map[string]uint64{".text": 0xffffffffc1000000})
	if err != nil {
		t.Skipf("in-tree module not available: %v", err)
	}
	if m.HasDWARF() {
		t.Error("Debian's in-tree vfat.ko has DWARF?")
	}
	if _, err := m.Type("struct kdx_obj"); err == nil || !strings.Contains(err.Error(), "no DWARF") {
		t.Errorf("Type on a stripped module: %v", err)
	}
	if a, ok := m.Symbol("vfat_lookup"); !ok || a < 0xffffffffc1000000 {
		t.Errorf("vfat_lookup at %#x %v", a, ok)
	}
}
