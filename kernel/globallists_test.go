package kernel

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/kdx-dev/kdx/internal/fixture"
)

// TestGlobalListsClean walks every global list head of a clean kernel:
// there are hundreds, and none may be reported.
func TestGlobalListsClean(t *testing.T) {
	for _, format := range []string{"kdump-c31", "elf"} {
		k := openFixture(t, "clean", format)
		r, err := k.CheckGlobalLists(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if r.Lists < 100 || r.Entries < 1000 || len(r.Findings) != 0 {
			t.Errorf("%s: %d lists, %d entries, findings %v; want hundreds of lists and no findings", format, r.Lists, r.Entries, r.Findings)
		}
	}
}

// TestGlobalListsFindsPlanted: with the module's DWARF loaded, the walk
// of every global list reaches the module's damaged lists and reports
// each planted word, with nothing else.
func TestGlobalListsFindsPlanted(t *testing.T) {
	g := fixture.Truth(t, "list")
	k, err := Open([]string{fixture.DumpPath(t, "list", "kdump-c31")},
		Options{Vmlinux: fixture.Vmlinux(t), ModPaths: []string{filepath.Dir(fixture.Module(t))}})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	r, err := k.CheckGlobalLists(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	found := map[uint64]string{}
	for _, f := range r.Findings {
		found[f.Addr] = f.Kind
	}
	for _, c := range g.Corruptions {
		if found[uint64(c.Addr)] != c.Kind {
			t.Errorf("planted %s at %#x: found %q", c.Kind, uint64(c.Addr), found[uint64(c.Addr)])
		}
	}
	if len(r.Findings) != len(g.Corruptions) {
		t.Errorf("%d findings for %d planted: %v", len(r.Findings), len(g.Corruptions), r.Findings)
	}
}
