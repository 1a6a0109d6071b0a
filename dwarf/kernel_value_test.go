package dwarf

import (
	"strings"
	"testing"
)

// kernelMemory lays out, with the fixture vmlinux's own layouts, an
// init_uts_ns with a release string and a slab_caches list of two
// kmem_caches, the second one's list.next pointing back to the head.
func kernelMemory(t *testing.T, b *Binary) (multiMem, []string) {
	t.Helper()
	uts, _, err := b.Variable("init_uts_ns")
	if err != nil {
		t.Fatal(err)
	}
	head, _, err := b.Variable("slab_caches")
	if err != nil {
		t.Fatal(err)
	}
	off := func(typ, field string) uint64 {
		o, err := b.FieldOffset(typ, field)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	utsMem := &memReader{base: uts, b: make([]byte, 4096)}
	utsMem.putString(uts+off("struct uts_namespace", "name.release"), "6.1.0-test")
	headMem := &memReader{base: head, b: make([]byte, 16)}
	heap := &memReader{base: 0xffff888100000000, b: make([]byte, 0x10000)}
	names := []string{"kmalloc-256", "dentry"}
	list, name := off("struct kmem_cache", "list"), off("struct kmem_cache", "name")
	caches := []uint64{heap.base + 0x1000, heap.base + 0x5000}
	prev := head
	for i, c := range caches {
		heap.put64(c+name, heap.base+0x100+uint64(i)*0x20)
		heap.putString(heap.base+0x100+uint64(i)*0x20, names[i])
		next := head
		if i+1 < len(caches) {
			next = caches[i+1] + list
		}
		heap.put64(c+list, next)
		heap.put64(c+list+8, prev)
		prev = c + list
	}
	headMem.put64(head, caches[0]+list)
	headMem.put64(head+8, prev)
	return multiMem{utsMem, headMem, heap}, names
}

func TestKernelValues(t *testing.T) {
	b := openFixture(t)
	mem, want := kernelMemory(t, b)
	uts, err := b.Global("init_uts_ns", mem)
	if err != nil {
		t.Fatal(err)
	}
	rel, err := mustField(uts, "name.release").CString(65)
	if err != nil || rel != "6.1.0-test" {
		t.Errorf("init_uts_ns.name.release = %q, %v", rel, err)
	}
	got, err := walkSlabCaches(b, mem)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("slab_caches: %v, want %v", got, want)
	}
}

// walkSlabCaches is list_for_each_entry(s, &slab_caches, list) by names
// alone, as the kernel layer will do it.
func walkSlabCaches(b *Binary, mem Reader) ([]string, error) {
	head, err := b.Global("slab_caches", mem)
	if err != nil {
		return nil, err
	}
	next, err := head.Field("next")
	if err != nil {
		return nil, err
	}
	var names []string
	for range 100 {
		p, err := next.Pointer()
		if err != nil {
			return nil, err
		}
		if p == head.Addr() {
			return names, nil
		}
		s, err := next.ContainerOf(b, "struct kmem_cache", "list")
		if err != nil {
			return nil, err
		}
		name, err := mustField(s, "name").CString(64)
		if err != nil {
			return nil, err
		}
		names = append(names, name)
		if next, err = s.Field("list.next"); err != nil {
			return nil, err
		}
	}
	return names, nil
}

func TestKernelFormat(t *testing.T) {
	b := openFixture(t)
	mem, _ := kernelMemory(t, b)
	head, _ := b.Global("slab_caches", mem)
	first, err := mustField(head, "next").ContainerOf(b, "struct kmem_cache", "list")
	if err != nil {
		t.Fatal(err)
	}
	out, err := Format(first, FormatOptions{Offsets: true, Symbolize: b.Symbolize})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"struct kmem_cache {", `[0x60] name = 0xffff888100000100 "kmalloc-256",`,
		"[0x68] list = {\n    [0x68] next = 0xffff888100005068,", "<slab_caches>", "node = {0x0, 0x0,", "... (1024 total)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestKASLR(t *testing.T) {
	b := openFixture(t)
	const off = 0x1e000000
	a0, _, _ := b.Variable("init_uts_ns")
	s0, _ := b.Symbol("schedule")
	p0, _, _ := b.Variable("runqueues")
	b.SetKASLROffset(off)
	defer b.SetKASLROffset(0)
	a1, _, _ := b.Variable("init_uts_ns")
	s1, _ := b.Symbol("schedule")
	p1, _, _ := b.Variable("runqueues")
	if a1 != a0+off || s1 != s0+off {
		t.Errorf("shifted init_uts_ns %#x (was %#x), schedule %#x (was %#x)", a1, a0, s1, s0)
	}
	if p1 != p0 || p0 >= kernelImageStart {
		t.Errorf("per-CPU runqueues moved: %#x -> %#x", p0, p1)
	}
	sym, o, ok := b.Lookup(s1 + 5)
	if !ok || sym.Name != "schedule" || o != 5 || sym.Addr != s1 {
		t.Errorf("Lookup(schedule+5) = %+v %#x %v", sym, o, ok)
	}
	if s, ok := b.Symbolize(s1 + 5); !ok || s != "schedule+0x5" {
		t.Errorf("Symbolize = %q", s)
	}
	if _, _, ok := b.Lookup(s0 - 0x1000000000); ok {
		t.Error("Lookup of a non-kernel address succeeded")
	}
}
