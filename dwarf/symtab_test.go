package dwarf

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestDisplayName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"schedule", "schedule"},
		{"_RNvCs1234_7mycrate3foo", "mycrate::foo"},
		{"_ZN4core3fmt5write17h0123456789abcdefE", "core::fmt::write"},
		{"_Rgarbage", "_Rgarbage"},
	} {
		if got := displayName(tc.in); got != tc.want {
			t.Errorf("displayName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestSymtabSynthetic covers lookups on a small ET_EXEC: sized and
// unsized symbols, locals, gaps and the edges.
func TestSymtabSynthetic(t *testing.T) {
	p := filepath.Join(t.TempDir(), "vmlinux")
	os.WriteFile(p, minimalELF(t), 0o644)
	ef, err := openELF(p)
	if err != nil {
		t.Fatal(err)
	}
	defer ef.close()
	if got := releaseOf(ef.banner()); got != "9.9.9-test" {
		t.Errorf("release %q", got)
	}
	st, err := readSymtab(ef)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		addr uint64
		name string
		kind byte
		ok   bool
	}{
		{0xffffffff81000000, "_stext", 'T', true},
		{0xffffffff8100000f, "_stext", 'T', true}, // unsized: up to the next symbol
		{0xffffffff81000010, "start_kernel", 'T', true},
		{0xffffffff8100002f, "start_kernel", 'T', true},
		{0xffffffff81000035, "helper", 't', true},
		{0xffffffff81000040, "", 0, false}, // after helper's size, before _end
		{0xffffffff80ffffff, "", 0, false},
		{0xffffffff82000001, "linux_banner", 'R', true},
	} {
		e, ok := st.lookupAddr(tc.addr)
		if ok != tc.ok || ok && (st.name(e) != tc.name || e.kind != tc.kind) {
			var got string
			if e != nil {
				got = st.name(e)
			}
			t.Errorf("lookupAddr(%#x) = %q %c %v, want %q %c %v", tc.addr, got, e.kindOr0(), ok, tc.name, tc.kind, tc.ok)
		}
	}
	if e, ok := st.lookupName("helper"); !ok || e.addr != 0xffffffff81000030 {
		t.Errorf("lookupName(helper) = %v %v", e, ok)
	}
	if _, ok := st.lookupName("nothing"); ok {
		t.Error("lookupName(nothing) succeeded")
	}
}

func (e *symEnt) kindOr0() byte {
	if e == nil {
		return 0
	}
	return e.kind
}

func TestEnumAndSizeof(t *testing.T) {
	b := openFixture(t)
	if v, err := b.EnumValue("enum pageflags", "PG_locked"); err != nil || v != 0 {
		t.Errorf("PG_locked = %d, %v", v, err)
	}
	if _, err := b.EnumValue("enum pageflags", "PG_nonexistent"); err == nil {
		t.Error("PG_nonexistent found")
	}
	if n, err := b.Sizeof("struct list_head"); err != nil || n != 16 {
		t.Errorf("sizeof(struct list_head) = %d, %v", n, err)
	}
	for _, name := range []string{"unsigned long", "long", "unsigned long long", "unsigned short"} {
		if _, err := b.Type(name); err != nil {
			t.Errorf("Type(%q): %v", name, err)
		}
	}
	if ty, err := b.Type("const char *"); err != nil || CTypeName(ty) != "const char *" {
		t.Errorf("Type(const char *) = %v, %v", ty, err)
	}
	if n, err := b.Sizeof("struct page *"); err != nil || n != 8 {
		t.Errorf("sizeof(struct page *) = %d, %v", n, err)
	}
}

func TestNames(t *testing.T) {
	b := openFixture(t)
	for _, tc := range []struct {
		prefix string
		want   string
	}{
		{"struct kmem_cache", "struct kmem_cache_cpu"},
		{"stru", "struct kmem_cache"},
		{"atomic", "atomic_t"},
		{"spinlock", "spinlock_t"},
		{"enum pagef", "enum pageflags"},
	} {
		got := b.TypeNames(tc.prefix, 0)
		if !slices.Contains(got, tc.want) {
			t.Errorf("TypeNames(%q) lacks %q (%d names)", tc.prefix, tc.want, len(got))
		}
		for _, n := range got {
			if !strings.HasPrefix(n, tc.prefix) {
				t.Errorf("TypeNames(%q) gave %q", tc.prefix, n)
				break
			}
		}
	}
	if got := b.TypeNames("struct ", 5); len(got) != 5 {
		t.Errorf("max 5: %d names", len(got))
	}
	if got := b.TypeNames("union ", 3); len(got) != 3 || !strings.HasPrefix(got[2], "union ") {
		t.Errorf("unions: %v", got)
	}
	if got := b.VariableNames("slab_cach", 0); !slices.Contains(got, "slab_caches") {
		t.Errorf("VariableNames(slab_cach) = %v", got)
	}
}
