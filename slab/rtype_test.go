package slab

import (
	"testing"

	"github.com/kdx-dev/kdx/internal/fixture"
	"github.com/kdx-dev/kdx/kernel"
)

// TestFieldsExist: every type, field and global kdx's slab and list code
// reads by name exists in the fixture kernel's DWARF, so that a renamed
// field fails here rather than as a silent fallback.
func TestFieldsExist(t *testing.T) {
	k, err := kernel.Open([]string{fixture.DumpPath(t, "clean", "kdump-c31")}, kernel.Options{Vmlinux: fixture.Vmlinux(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	fields := map[string][]string{
		"struct slab":                     {"__page_flags", "slab_list", "next", "slab_cache", "freelist", "counters", "inuse", "objects", "frozen"},
		"struct page":                     {"flags", "compound_order"},
		"struct kmem_cache":               {"name", "size", "object_size", "offset", "oo.x", "min.x", "flags", "cpu_slab", "red_left_pad", "random", "refcount", "list", "node"},
		"struct kmem_cache_cpu":           {"freelist", "slab", "partial"},
		"struct kmem_cache_node":          {"nr_partial", "partial", "nr_slabs", "total_objects"},
		"struct list_head":                {"next", "prev"},
		"struct hlist_head":               {"first"},
		"struct hlist_node":               {"next", "pprev"},
		"struct pglist_data":              {"node_start_pfn", "node_spanned_pages"},
		"struct kmem_cache_order_objects": {"x"},
	}
	for typ, fs := range fields {
		for _, f := range fs {
			if !k.HasField(typ, f) {
				t.Errorf("%s has no field %s", typ, f)
			}
		}
	}
	for _, g := range []string{"slab_caches", "max_pfn", "nr_node_ids", "nr_cpu_ids", "__per_cpu_offset"} {
		if _, err := k.Global(g); err != nil {
			t.Errorf("global %s: %v", g, err)
		}
	}
	l, err := probeLayout(k)
	if err != nil {
		t.Fatal(err)
	}
	if l.slabType != "struct slab" || !l.hardened || l.pgSlab == l.pgHead || l.pageSize != 64 {
		t.Errorf("layout %+v: want struct slab era, hardened, 64-byte struct page", l)
	}
}
