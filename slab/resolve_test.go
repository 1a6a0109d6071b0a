package slab

import (
	"context"
	"testing"

	"github.com/kdx-dev/kdx/internal/fixture"
	"github.com/kdx-dev/kdx/kernel"
)

// TestObjectAtSamples resolves the ground truth's sample addresses.
func TestObjectAtSamples(t *testing.T) {
	g := fixture.Truth(t, "clean")
	_, s := openSLUB(t, "clean", "kdump-c31")
	for _, sm := range g.Samples {
		if sm.Cache == "" {
			continue
		}
		t.Run(sm.Kind, func(t *testing.T) {
			o, ok := s.ObjectAt(uint64(sm.Addr))
			if !ok {
				t.Fatalf("%v: not in a slab", sm.Addr)
			}
			if o.Cache != sm.Cache || o.Object != uint64(sm.Object) || o.Slab != uint64(sm.Slab) || o.Offset != uint64(sm.Addr-sm.Object) {
				t.Errorf("%v: %+v, want cache %s object %v slab %v", sm.Addr, o, sm.Cache, sm.Object, sm.Slab)
			}
			if !o.Known || o.Free != (sm.Kind == "free") {
				t.Errorf("%v (%s): free=%v known=%v", sm.Addr, sm.Kind, o.Free, o.Known)
			}
		})
	}
	if sym := g.SampleOf("symbol"); sym != nil {
		if _, ok := s.ObjectAt(uint64(sym.Addr)); ok {
			t.Errorf("module symbol %v resolved as a slab object", sym.Addr)
		}
	}
}

// TestRefsOfDamagedSlab: check's references for the zeroed struct slab of
// the slabmeta scenario include its neighbours' list links.
func TestRefsOfDamagedSlab(t *testing.T) {
	g := fixture.Truth(t, "slabmeta")
	c := g.Corruptions[0]
	k, s := openSLUB(t, "slabmeta", "elf")
	r, err := s.Check(context.Background(), CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var fs []kernel.Finding
	for _, f := range r.Findings {
		if f.Kind == kernel.KindBadSlabLink && f.Addr == uint64(c.Addr) {
			fs = append(fs, f)
		}
	}
	if len(fs) != 1 {
		t.Fatalf("%d bad-slab-link findings at %v", len(fs), c.Addr)
	}
	if err := k.RefsTo(context.Background(), fs, 64, kernel.SearchOptions{}); err != nil {
		t.Fatal(err)
	}
	// The neighbours' slab_list words point at the damaged slab's list.
	want := map[uint64]bool{uint64(c.SlabListPrev): true, uint64(c.SlabListNext) + 8: true}
	for _, ref := range fs[0].Refs {
		delete(want, ref.Addr)
	}
	if len(want) != 0 {
		t.Errorf("refs %+v lack %v", fs[0].Refs, want)
	}
}

// TestConcurrentUse: whatis (ObjectAt) and a background Check run at the
// same time in the browser; run with -race.
func TestConcurrentUse(t *testing.T) {
	g := fixture.Truth(t, "clean")
	_, s := openSLUB(t, "clean", "elf")
	done := make(chan error, 2)
	go func() {
		_, err := s.Check(context.Background(), CheckOptions{Suspect: true})
		done <- err
	}()
	go func() {
		_, err := s.Slabinfo(context.Background())
		done <- err
	}()
	for i := 0; i < 50; i++ {
		sm := g.Samples[i%len(g.Samples)]
		if o, ok := s.ObjectAt(uint64(sm.Addr)); ok != (sm.Cache != "") || (ok && o.Cache != sm.Cache) {
			t.Errorf("ObjectAt(%v) = %+v, %v", sm.Addr, o, ok)
		}
	}
	for i := 0; i < 2; i++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
