package dwarf

import (
	"testing"

	"github.com/kdx-dev/kdx/internal/fixture"
)

// TestUnitCacheMatchesMapping decodes a few hundred vmlinux types twice:
// through pread windows and the bounded unit cache (what Open sets up),
// and through the mapping. Both must agree, and the cache must stay
// within its bound.
func TestUnitCacheMatchesMapping(t *testing.T) {
	path := fixture.Vmlinux(t)
	viaRead, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer viaRead.Close()
	viaMap, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer viaMap.Close()
	if viaRead.dd.infoAt == nil {
		t.Fatal("a vmlinux is not read by pread")
	}
	viaMap.dd.infoAt = nil
	names := viaRead.TypeNames("struct ", 400)
	if len(names) < 300 {
		t.Fatalf("%d struct names", len(names))
	}
	names = append(names, "struct task_struct", "struct page", "struct kmem_cache")
	for _, n := range names {
		a, errA := viaRead.Type(n)
		b, errB := viaMap.Type(n)
		if (errA == nil) != (errB == nil) || errA == nil && (a.Size() != b.Size() || CTypeName(a) != CTypeName(b)) {
			t.Fatalf("%s: pread %v (%v), mapping %v (%v)", n, a, errA, b, errB)
		}
	}
	for _, v := range []string{"init_task", "tainted_mask", "init_uts_ns"} {
		a1, t1, err1 := viaRead.VariableTypeName(v)
		a2, t2, err2 := viaMap.VariableTypeName(v)
		if err1 != nil || err2 != nil || a1 != a2 || t1 != t2 || t1 == "" {
			t.Errorf("%s: pread %#x %q %v, mapping %#x %q %v", v, a1, t1, err1, a2, t2, err2)
		}
	}
	c := &viaRead.dd.ucache
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bytes > unitCacheBytes && c.lru.Len() > 1 {
		t.Errorf("unit cache holds %d bytes in %d units, bound %d", c.bytes, c.lru.Len(), unitCacheBytes)
	}
	if c.lru.Len() == 0 {
		t.Error("decoding read no unit through the cache")
	}
}
