package dwarf

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kdx-dev/kdx/internal/fixture"
)

func TestOpenVmlinux(t *testing.T) {
	b := openFixture(t)
	if got := b.Release(); got != fixture.Release {
		t.Errorf("Release() = %q, want %q", got, fixture.Release)
	}
	if !strings.HasPrefix(b.Banner(), "Linux version "+fixture.Release+" ") {
		t.Errorf("Banner() = %q", b.Banner())
	}
	if len(b.BuildID()) != 40 {
		t.Errorf("BuildID() = %q, want 40 hex digits", b.BuildID())
	}
	// A Debian 6.1 vmlinux has ~7k struct tags and ~115k symbols; far
	// fewer means the scan or the symbol table lost entries.
	if n := b.ix.count(kindStruct); n < 5000 {
		t.Errorf("%d structs indexed", n)
	}
	if n := len(b.syms.byName); n < 100000 {
		t.Errorf("%d symbols", n)
	}
}

// TestCacheRoundTrip opens cold (building and writing the cache), then
// warm, and checks both agree; then corrupts the cache and checks the
// rebuild.
func TestCacheRoundTrip(t *testing.T) {
	path := fixture.Vmlinux(t)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	cold, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer cold.Close()
	cold.storing.Wait() // the cache is written in the background
	dir, _ := CacheDir()
	files, _ := filepath.Glob(filepath.Join(dir, "vmlinux-*.idx"))
	if len(files) != 1 {
		t.Fatalf("cache files %v, want one", files)
	}
	check := func(name string) {
		warm, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer warm.Close()
		if len(warm.ix.entries) != len(cold.ix.entries) || len(warm.syms.byName) != len(cold.syms.byName) {
			t.Fatalf("%s: %d entries %d syms, cold had %d, %d", name, len(warm.ix.entries), len(warm.syms.byName), len(cold.ix.entries), len(cold.syms.byName))
		}
		for _, v := range []string{"init_uts_ns", "slab_caches", "init_task"} {
			a1, _, err1 := cold.Variable(v)
			a2, _, err2 := warm.Variable(v)
			if err1 != nil || err2 != nil || a1 != a2 {
				t.Errorf("%s: Variable(%s) cold %#x %v warm %#x %v", name, v, a1, err1, a2, err2)
			}
		}
		s1, _ := cold.Symbol("schedule")
		s2, _ := warm.Symbol("schedule")
		if s1 == 0 || s1 != s2 {
			t.Errorf("%s: schedule at %#x cold, %#x warm", name, s1, s2)
		}
	}
	check("warm")
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, mut := range []struct {
		name string
		fn   func([]byte) []byte
	}{
		{"flipped byte", func(b []byte) []byte { b[len(b)/2] ^= 0xff; return b }},
		{"truncated", func(b []byte) []byte { return b[:len(b)/3] }},
		{"empty", func(b []byte) []byte { return nil }},
	} {
		if err := os.WriteFile(files[0], mut.fn(append([]byte(nil), data...)), 0o644); err != nil {
			t.Fatal(err)
		}
		check(mut.name)
		if fixed, _ := os.ReadFile(files[0]); len(fixed) != len(data) {
			t.Errorf("%s: cache not rewritten (%d bytes, want %d)", mut.name, len(fixed), len(data))
		}
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	elf := minimalELF(t)
	for _, tc := range []struct {
		name, path, want string
	}{
		{"missing", filepath.Join(dir, "nope"), "no such file"},
		{"empty", write("empty", nil), "not an ELF file"},
		{"text", write("text", []byte(strings.Repeat("hello world\n", 20))), "not a usable ELF"},
		{"truncated", write("trunc", elf[:len(elf)-8]), "truncated?"},
		{"section past end", write("big", oversizeSection(elf, 2)), "beyond the end of the file"},
		{"no dwarf", write("nodwarf", elf), "install linux-image-"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Open(tc.path)
			if err == nil {
				b.Close()
				t.Fatalf("Open succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
			if tc.name == "no dwarf" && !errors.Is(err, ErrNoDebugInfo) {
				t.Errorf("error %q is not ErrNoDebugInfo", err)
			}
		})
	}
}

// oversizeSection makes section i claim 1 MiB, past the end of the file.
func oversizeSection(elf []byte, i int) []byte {
	out := append([]byte(nil), elf...)
	shoff := binary.LittleEndian.Uint64(out[40:])
	binary.LittleEndian.PutUint64(out[shoff+uint64(i)*64+32:], 1<<20)
	return out
}

// TestOpenTwice opens the fixture with the default cache directory (so
// that `/usr/bin/time dwarf.test -test.run TestOpenTwice` measures a real
// open's peak RSS) and checks a type resolves each time.
func TestOpenTwice(t *testing.T) {
	path := fixture.Vmlinux(t)
	for range 2 {
		b, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Type("struct task_struct"); err != nil {
			t.Error(err)
		}
		b.Close()
	}
}

func TestUseAfterClose(t *testing.T) {
	openFixture(t) // the shared cache directory
	b, err := Open(fixture.Vmlinux(t))
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	if _, err := b.Type("struct task_struct"); !errors.Is(err, ErrClosed) {
		t.Errorf("Type after Close: %v", err)
	}
	if _, _, ok := b.LineFor(0xffffffff81000000); ok {
		t.Error("LineFor after Close succeeded")
	}
	if _, ok := b.Symbol("schedule"); ok {
		t.Error("Symbol after Close succeeded")
	}
}

// TestOpenProgress checks that a cold open reports the scan's progress,
// never backwards, ending at the whole of .debug_info; and that a warm
// open (index from the cache) reports nothing.
func TestOpenProgress(t *testing.T) {
	path := fixture.Vmlinux(t)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	var mu sync.Mutex
	var calls int
	var last, total uint64
	b, err := OpenWith(path, OpenOptions{Progress: func(done, all uint64) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		last, total = max(last, done), all
	}})
	if err != nil {
		t.Fatal(err)
	}
	infoLen := uint64(len(b.dd.info))
	b.Close()
	if calls < 2 || last != infoLen || total != infoLen {
		t.Errorf("cold open: %d progress calls, last %d of %d; want several, ending at %d", calls, last, total, infoLen)
	}
	calls = 0
	b, err = OpenWith(path, OpenOptions{Progress: func(done, all uint64) { calls++ }})
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	if calls != 0 {
		t.Errorf("warm open: %d progress calls, want 0", calls)
	}
}
