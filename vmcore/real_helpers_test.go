package vmcore_test

import (
	"debug/elf"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/kdx-dev/kdx/internal/fixture"
	"github.com/kdx-dev/kdx/vmcore"
)

// vmlinuxSyms reads link-time symbol addresses from the fixture vmlinux's
// symbol table (tests only: kdx itself gets them from the dwarf package).
var vmlinuxSyms = sync.OnceValues(func() (map[string]uint64, error) {
	f, err := elf.Open(filepath.Join(fixture.Dir(), "kernel", "vmlinux-"+fixture.Release))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	list, err := f.Symbols()
	if err != nil {
		return nil, err
	}
	syms := make(map[string]uint64, len(list))
	for _, s := range list {
		syms[s.Name] = s.Value
	}
	return syms, nil
})

func symbols(t testing.TB) map[string]uint64 {
	t.Helper()
	fixture.Vmlinux(t)
	syms, err := vmlinuxSyms()
	if err != nil {
		t.Fatalf("vmlinux symbols: %v", err)
	}
	return syms
}

// kernelConfig fills the base-variable addresses from System.map.
func kernelConfig(t testing.TB) vmcore.KernelConfig {
	s := symbols(t)
	return vmcore.KernelConfig{
		PageOffsetBaseSym: s["page_offset_base"],
		VmallocBaseSym:    s["vmalloc_base"],
		VmemmapBaseSym:    s["vmemmap_base"],
		InitTopPgtSym:     s["init_top_pgt"],
	}
}

// truth is the part of the fixture's truth.json these tests use.
type truth struct {
	Lists []struct {
		HeadAddr string `json:"head_addr"`
	} `json:"lists"`
	Samples []struct {
		Addr string `json:"addr"`
		Slab string `json:"slab"`
	} `json:"samples"`
}

func readTruth(t testing.TB, scenario string) *truth {
	b, err := os.ReadFile(filepath.Join(fixture.Dir(), scenario, "truth.json"))
	if err != nil {
		return nil
	}
	var tr truth
	if json.Unmarshal(b, &tr) != nil {
		return nil
	}
	return &tr
}

func hexAddr(s string) uint64 {
	v, _ := strconv.ParseUint(strings.TrimPrefix(s, "0x"), 16, 64)
	return v
}

func openT(t testing.TB, paths ...string) *vmcore.Dump {
	t.Helper()
	d, err := vmcore.Open(paths...)
	if err != nil {
		t.Fatalf("Open(%v): %v", paths, err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// present lists the fixture formats of a scenario that exist.
func present(scenario string, formats ...string) []string {
	var out []string
	for _, f := range formats {
		if _, err := os.Stat(filepath.Join(fixture.Dir(), scenario, f)); err == nil {
			out = append(out, f)
		}
	}
	return out
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }
