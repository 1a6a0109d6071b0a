package slab

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kdx-dev/kdx/internal/fixture"
	"github.com/kdx-dev/kdx/kernel"
)

// TestObjectTypeNamesFields: with the module's debug info loaded, kdx_obj's
// words are named after struct kdx_obj's fields.
func TestObjectTypeNamesFields(t *testing.T) {
	k, err := kernel.Open([]string{fixture.DumpPath(t, "clean", "elf")},
		kernel.Options{Vmlinux: fixture.Vmlinux(t), ModPaths: []string{filepath.Dir(fixture.Module(t))}})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	s, err := For(k)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := s.Cache("kdx_obj")
	ot := s.objectTypeOf(c)
	if ot == nil {
		t.Fatal("struct kdx_obj not found")
	}
	for w, want := range map[int]string{0: "self", 1: "link.next", 2: "link.prev", 3: "buf", 4: "magic", 6: "peer", 7: "payload[0]"} {
		if ot.field[w] != want {
			t.Errorf("word %d: %q, want %q", w, ot.field[w], want)
		}
	}
	if !ot.ptr[0] || !ot.ptr[6] || ot.ptr[4] {
		t.Errorf("pointer words wrong: %v", ot.ptr)
	}
	if d, ok := s.Cache("dentry"); ok && s.objectTypeOf(d) == nil {
		t.Error("struct dentry not matched to the dentry cache")
	}
}

// TestBitflipsNamedByField: with the module's types, each flipped word is
// reported with the field the ground truth names.
func TestBitflipsNamedByField(t *testing.T) {
	g := fixture.Truth(t, "bitflip")
	k, err := kernel.Open([]string{fixture.DumpPath(t, "bitflip", "kdump-c31")},
		kernel.Options{Vmlinux: fixture.Vmlinux(t), ModPaths: []string{filepath.Dir(fixture.Module(t))}})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	s, err := For(k)
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Check(context.Background(), CheckOptions{Suspect: true, Caches: []string{g.Cache.Name}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range g.Corruptions {
		found := false
		for _, f := range r.Findings {
			found = found || f.Addr == uint64(c.Addr) && strings.HasSuffix(f.Path, "(struct kdx_obj."+c.Field+")")
		}
		if !found {
			t.Errorf("no finding at %v naming field %s", c.Addr, c.Field)
		}
	}
}
