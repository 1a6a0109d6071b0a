package kernel

import (
	"path/filepath"
	"testing"

	"github.com/kdx-dev/kdx/internal/fixture"
)

func TestModulesFindFixtureModule(t *testing.T) {
	for _, c := range []struct{ scenario, format string }{{"clean", "elf"}, {"panic", "kdump-c31"}} {
		t.Run(c.scenario, func(t *testing.T) {
			ko := fixture.Module(t)
			k, err := Open([]string{fixture.DumpPath(t, c.scenario, c.format)},
				Options{Vmlinux: fixture.Vmlinux(t), ModPaths: []string{filepath.Dir(ko)}})
			if err != nil {
				t.Fatal(err)
			}
			defer k.Close()
			truth := fixture.Truth(t, c.scenario)
			mods, err := k.Modules()
			if err != nil {
				t.Fatal(err)
			}
			var m *Module
			for i := range mods {
				if mods[i].Name == "kdxplant" {
					m = &mods[i]
				}
			}
			if m == nil {
				t.Fatalf("kdxplant not among %d modules", len(mods))
			}
			if m.Base != uint64(truth.Module.Base) || m.Size != truth.Module.Size {
				t.Errorf("kdxplant at %#x size %d, truth %s size %d", m.Base, m.Size, truth.Module.Base, truth.Module.Size)
			}
			if !m.OutOfTree || !m.Unsigned || m.Taints != "OE" {
				t.Errorf("kdxplant taints %q (oot %v unsigned %v), want OE", m.Taints, m.OutOfTree, m.Unsigned)
			}
			if m.Sections[".text"] == 0 || m.Sections[".data"] == 0 {
				t.Errorf("sections %v lack .text/.data", m.Sections)
			}
			if m.DebugInfo == "" {
				t.Errorf("kdxplant.ko debug info not loaded: %s", m.DebugError)
			}
			if _, err := k.Type("struct kdx_node"); m.DebugInfo != "" && err != nil {
				t.Errorf("module type struct kdx_node: %v", err)
			}
		})
	}
}
