package kernel

import (
	"context"
	"strings"
	"testing"

	"github.com/kdx-dev/kdx/internal/fixture"
)

// kdxObjMagic is struct kdx_obj's magic ("kdxobj01"), set in every object
// the fixture module allocated.
const kdxObjMagic = 0x6b64786f626a3031

func TestSearchFindsEveryObjectMagic(t *testing.T) {
	g := fixture.Truth(t, "clean")
	for _, format := range []string{"elf", "kdump-zlib"} {
		t.Run(format, func(t *testing.T) {
			k := openFixture(t, "clean", format)
			hits, err := k.Search(context.Background(), kdxObjMagic, SearchOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(hits) < g.Cache.Live {
				t.Fatalf("%d hits for the kdx_obj magic, want at least %d live objects", len(hits), g.Cache.Live)
			}
			seen := map[uint64]bool{}
			for _, h := range hits {
				if h.Value != kdxObjMagic || h.Phys%8 != 0 || seen[h.Phys] {
					t.Fatalf("bad or duplicate hit %+v", h)
				}
				seen[h.Phys] = true
			}
		})
	}
}

func TestSearchMask(t *testing.T) {
	k := openFixture(t, "clean", "elf")
	// The top 32 bits of the magic: "kdxo" in the high half, any low half.
	hits, err := k.Search(context.Background(), kdxObjMagic, SearchOptions{Mask: 0xffffffff00000000, Max: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 10 {
		t.Fatalf("Max 10: got %d hits", len(hits))
	}
	for _, h := range hits {
		if h.Value>>32 != kdxObjMagic>>32 {
			t.Errorf("hit %#x does not match under the mask", h.Value)
		}
	}
}

// TestRefsFindsPlantedPointer: the list scenario points one node's next
// into an unrelated object; refs of that object's page must list the word.
func TestRefsFindsPlantedPointer(t *testing.T) {
	g := fixture.Truth(t, "list")
	c := g.CorruptionsOf("list-bad-next")[0]
	k := openFixture(t, "list", "elf")
	refs, err := k.Refs(context.Background(), RefTarget{Addr: uint64(c.IntoObject), Page: true}, SearchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	planted, module := false, false
	for _, r := range refs {
		if r.Addr == uint64(c.Addr) && r.Value == uint64(c.Planted) {
			planted = r.What != ""
		}
		// The module keeps every live object in kdx_live[]: that word is
		// named by its module symbol, at its module address.
		module = module || strings.HasPrefix(r.What, "symbol kdx_live+") && r.Addr >= uint64(g.Module.Base)
	}
	if !planted || !module {
		t.Fatalf("refs to %v: planted word %v found %v, kdx_live entry found %v; refs %+v", c.IntoObject, c.Addr, planted, module, refs)
	}
}

func BenchmarkSearch(b *testing.B) {
	k := openFixture(b, "clean", "elf")
	for b.Loop() {
		if _, err := k.Search(context.Background(), kdxObjMagic, SearchOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRefs(b *testing.B) {
	g := fixture.Truth(b, "clean")
	k := openFixture(b, "clean", "elf")
	for b.Loop() {
		if _, err := k.Refs(context.Background(), RefTarget{Addr: uint64(g.Cache.Addr), Page: true}, SearchOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
