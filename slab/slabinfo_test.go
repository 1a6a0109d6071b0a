package slab

import (
	"context"
	"testing"

	"github.com/kdx-dev/kdx/internal/fixture"
)

func TestSlabinfoLeakTop(t *testing.T) {
	g := fixture.Truth(t, "leak")
	_, s := openSLUB(t, "leak", "kdump-c31")
	in, err := s.Slabinfo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := SortInfo(in, "size"); err != nil {
		t.Fatal(err)
	}
	if in[0].Name != g.Leak.Cache {
		t.Fatalf("top of slabinfo is %s (%d bytes), want %s", in[0].Name, in[0].Memory, g.Leak.Cache)
	}
	if in[0].Active < uint64(g.Leak.Count) {
		t.Errorf("%s: %d active objects, fewer than the %d leaked", in[0].Name, in[0].Active, g.Leak.Count)
	}
}

// TestSlabinfoModuleCache checks kdx_obj's line against the ground truth.
func TestSlabinfoModuleCache(t *testing.T) {
	g := fixture.Truth(t, "clean")
	_, s := openSLUB(t, "clean", "elf")
	in, err := s.Slabinfo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range in {
		if i.Name != g.Cache.Name {
			continue
		}
		if i.Size != uint64(g.Cache.Size) || i.PerSlab != uint64(g.Cache.ObjectsPerSlab) || i.Slabs != uint64(g.Cache.Slabs) || i.Active != uint64(g.Cache.Live) {
			t.Errorf("kdx_obj: %+v; truth %+v", i, g.Cache)
		}
		return
	}
	t.Fatalf("no %s in slabinfo", g.Cache.Name)
}

func TestSortInfo(t *testing.T) {
	in := []Info{{Name: "b", Memory: 1, Objects: 9}, {Name: "a", Memory: 5, Objects: 1}, {Name: "c", Memory: 5, Objects: 3}}
	for _, tc := range []struct{ by, want string }{{"size", "acb"}, {"name", "abc"}, {"objects", "bca"}} {
		if err := SortInfo(in, tc.by); err != nil {
			t.Fatal(err)
		}
		got := in[0].Name + in[1].Name + in[2].Name
		if got != tc.want {
			t.Errorf("sort %s: %s, want %s", tc.by, got, tc.want)
		}
	}
	if SortInfo(in, "colour") == nil {
		t.Error("unknown key accepted")
	}
}

// TestSlabinfoMatchesNodeCounters: on a sound dump the memory map holds
// exactly the slabs and objects each cache's node counters say.
func TestSlabinfoMatchesNodeCounters(t *testing.T) {
	_, s := openSLUB(t, "clean", "kdump-c31")
	in, err := s.Slabinfo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range in {
		var slabs, objs uint64
		for _, n := range i.Nodes {
			slabs, objs = slabs+n.NrSlabs, objs+n.TotalObjects
		}
		if len(i.Nodes) == 0 || slabs != i.Slabs || objs != i.Objects {
			t.Errorf("%s: map %d slabs %d objects, counters %d/%d", i.Name, i.Slabs, i.Objects, slabs, objs)
		}
	}
}
