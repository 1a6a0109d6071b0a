package slab

import (
	"context"
	"testing"

	"github.com/kdx-dev/kdx/internal/fixture"
)

func TestSlabsAndObjects(t *testing.T) {
	g := fixture.Truth(t, "clean")
	_, s := openSLUB(t, "clean", "elf")
	slabs, err := s.Slabs(context.Background(), g.Cache.Name)
	if err != nil {
		t.Fatal(err)
	}
	if len(slabs) != g.Cache.Slabs {
		t.Fatalf("%d slabs, want %d", len(slabs), g.Cache.Slabs)
	}
	partial, live := 0, uint64(0)
	for _, sl := range slabs {
		if sl.Where == "node 0 partial" {
			partial++
		}
		objs, fs, err := s.Objects(sl.Addr)
		if err != nil || len(fs) != 0 || uint64(len(objs)) != sl.Objects {
			t.Fatalf("slab %#x: %d objects, findings %v, err %v", sl.Addr, len(objs), fs, err)
		}
		for _, o := range objs {
			if !o.Free {
				live++
			}
			if o.Free != (o.FreeIndex >= 0) {
				t.Fatalf("object %#x: free %v but freelist index %d", o.Addr, o.Free, o.FreeIndex)
			}
		}
	}
	if partial != g.Cache.NrPartial || live != uint64(g.Cache.Live) {
		t.Errorf("%d node partial slabs, %d live objects; want %d, %d", partial, live, g.Cache.NrPartial, g.Cache.Live)
	}
	free := g.SampleOf("free")
	objs, _, err := s.Objects(uint64(free.Slab))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if o.Addr == uint64(free.Object) && !o.Free {
			t.Errorf("sample free object %v reads as allocated", free.Object)
		}
	}
	if _, _, err := s.Objects(uint64(free.Slab) + 8); err == nil {
		t.Error("Objects accepted an address inside a struct slab")
	}
}

// TestObjectsOfDamagedSlab: the freelist scenario's slab reports its bad
// pointer through Objects too.
func TestObjectsOfDamagedSlab(t *testing.T) {
	c := fixture.Truth(t, "freelist").Corruptions[0]
	_, s := openSLUB(t, "freelist", "elf")
	_, fs, err := s.Objects(uint64(c.Slab))
	if err != nil {
		t.Fatal(err)
	}
	if !hasFinding(fs, c.Kind, uint64(c.Addr), uint64(c.Addr)+8) {
		t.Errorf("findings %v lack %s at %v", fs, c.Kind, c.Addr)
	}
}
