package dwarf

import (
	"bytes"
	"debug/elf"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/kdx-dev/kdx/internal/fixture"
)

// elfDump reads kernel memory by virtual address from a QEMU ELF dump
// with virtual PT_LOADs (the "elf-virt" fixture): just enough to test the
// Value API on a real kernel's memory without importing vmcore.
type elfDump struct {
	f     *os.File
	loads []*elf.Prog // PT_LOADs by virtual address
	info  string      // VMCOREINFO
}

func openElfDump(t *testing.T, path string) *elfDump {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	e, err := elf.NewFile(f)
	if err != nil {
		t.Fatal(err)
	}
	d := &elfDump{f: f}
	for _, p := range e.Progs {
		switch p.Type {
		case elf.PT_LOAD:
			d.loads = append(d.loads, p)
		case elf.PT_NOTE:
			b := make([]byte, p.Filesz)
			p.ReadAt(b, 0)
			if i := bytes.Index(b, []byte("OSRELEASE=")); i >= 0 {
				d.info = string(b[i:])
			}
		}
	}
	sort.Slice(d.loads, func(i, j int) bool { return d.loads[i].Vaddr < d.loads[j].Vaddr })
	return d
}

// vmcoreinfo returns a VMCOREINFO value.
func (d *elfDump) vmcoreinfo(key string) string {
	for _, l := range strings.Split(d.info, "\n") {
		if v, ok := strings.CutPrefix(l, key+"="); ok {
			return v
		}
	}
	return ""
}

func (d *elfDump) ReadAt(p []byte, addr uint64) (int, error) {
	n := 0
	for n < len(p) {
		a := addr + uint64(n)
		i := sort.Search(len(d.loads), func(i int) bool { return d.loads[i].Vaddr+d.loads[i].Filesz > a })
		if i == len(d.loads) || a < d.loads[i].Vaddr {
			return n, fmt.Errorf("%#x not in the dump", a)
		}
		l := d.loads[i]
		m, err := d.f.ReadAt(p[n:min(len(p), n+int(l.Vaddr+l.Filesz-a))], int64(l.Off+a-l.Vaddr))
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// TestCleanDump reads the clean scenario's elf-virt dump through the
// Value API by names alone: the release, the slab caches, the module
// list and its section addresses, then the module's own list with its own
// types, checked against the fixture's ground truth.
func TestCleanDump(t *testing.T) {
	truth := fixture.Truth(t, "clean")
	dump := openElfDump(t, fixture.DumpPath(t, "clean", "elf-virt"))
	openFixture(t) // the shared cache directory
	b, err := Open(fixture.Vmlinux(t))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	off, err := strconv.ParseUint(dump.vmcoreinfo("KERNELOFFSET"), 16, 64)
	if err != nil {
		t.Fatalf("KERNELOFFSET: %v", err)
	}
	b.SetKASLROffset(off)

	uts, err := b.Global("init_uts_ns", dump)
	if err != nil {
		t.Fatal(err)
	}
	if rel, err := mustField(uts, "name.release").CString(65); rel != truth.Release || err != nil {
		t.Errorf("init_uts_ns.name.release = %q, %v; want %q", rel, err, truth.Release)
	}
	checkCache(t, b, dump, truth)
	secs := moduleSections(t, b, dump, truth.Module.Name)
	m, err := b.LoadModule(fixture.Module(t), secs)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range truth.Lists {
		checkList(t, b, dump, l.Head, uint64(l.HeadAddr), l.Type, l.Member, l.Count)
	}
	if base := uint64(truth.Module.Base); secs[".text"] < base || secs[".text"] >= base+truth.Module.Size {
		t.Errorf("%s .text at %#x, outside its core layout [%#x, +%#x)", m.Name(), secs[".text"], base, truth.Module.Size)
	}
}

// checkCache finds the module's cache on slab_caches and compares it with
// the truth.
func checkCache(t *testing.T, b *Binary, mem Reader, truth *fixture.GroundTruth) {
	t.Helper()
	head, err := b.Global("slab_caches", mem)
	if err != nil {
		t.Fatal(err)
	}
	var found *Value
	n := 0
	err = forEachEntry(b, head, "struct kmem_cache", "list", func(s Value) error {
		n++
		name, err := mustField(s, "name").CString(64)
		if name == truth.Cache.Name {
			found = &s
		}
		return err
	})
	if err != nil || found == nil || n < 50 {
		t.Fatalf("slab_caches: %d caches, %s found: %v, %v", n, truth.Cache.Name, found != nil, err)
	}
	for field, want := range map[string]int{"object_size": truth.Cache.ObjectSize, "size": truth.Cache.Size, "offset": truth.Cache.Offset} {
		if got, err := mustField(*found, field).Uint(); got != uint64(want) || err != nil {
			t.Errorf("%s.%s = %d, %v; want %d", truth.Cache.Name, field, got, err, want)
		}
	}
	out, err := Format(*found, FormatOptions{Symbolize: b.Symbolize})
	if err != nil || !strings.Contains(out, `"`+truth.Cache.Name+`"`) {
		t.Errorf("Format(kmem_cache %s): %v\n%s", truth.Cache.Name, err, out)
	}
}

// moduleSections finds a module on the modules list and returns its
// section addresses from sect_attrs, as the kernel layer will.
func moduleSections(t *testing.T, b *Binary, mem Reader, name string) map[string]uint64 {
	t.Helper()
	head, err := b.Global("modules", mem)
	if err != nil {
		t.Fatal(err)
	}
	secs := map[string]uint64{}
	err = forEachEntry(b, head, "struct module", "list", func(m Value) error {
		if n, err := mustField(m, "name").CString(64); err != nil || n != name {
			return err
		}
		count, err := mustField(m, "sect_attrs->nsections").Uint()
		if err != nil {
			return err
		}
		for i := range min(count, 100) {
			a, err := m.Field(fmt.Sprintf("sect_attrs->attrs[%d]", i))
			if err != nil {
				return err
			}
			sec, err := mustField(a, "battr.attr.name").CString(64)
			if err != nil {
				return err
			}
			if secs[sec], err = mustField(a, "address").Uint(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || secs[".text"] == 0 {
		t.Fatalf("module %s sections %v: %v", name, secs, err)
	}
	return secs
}

// checkList walks a module list head by the module's own types.
func checkList(t *testing.T, b *Binary, mem Reader, head string, headAddr uint64, typ, member string, want int) {
	t.Helper()
	h, err := b.Global(head, mem)
	if err != nil {
		t.Fatal(err)
	}
	if h.Addr() != headAddr {
		t.Errorf("%s at %#x, truth %#x", head, h.Addr(), headAddr)
	}
	n := 0
	err = forEachEntry(b, h, typ, member, func(Value) error { n++; return nil })
	if err != nil || n != want {
		t.Errorf("%s: %d entries of %s, %v; want %d", head, n, typ, err, want)
	}
}

// forEachEntry is list_for_each_entry over a struct list_head Value,
// bounded against cycles.
func forEachEntry(b *Binary, head Value, typ, member string, fn func(Value) error) error {
	next, err := head.Field("next")
	if err != nil {
		return err
	}
	for range 100000 {
		p, err := next.Pointer()
		if err != nil {
			return err
		}
		if p == head.Addr() {
			return nil
		}
		e, err := next.ContainerOf(b, typ, member)
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
		if next, err = e.Field(member + ".next"); err != nil {
			return err
		}
	}
	return fmt.Errorf("%s: no end after 100000 entries", head.Path())
}
