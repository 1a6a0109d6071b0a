package bigtest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kdx-dev/kdx/internal/fixture"
	"github.com/kdx-dev/kdx/kernel"
	"github.com/kdx-dev/kdx/slab"
)

// name is the big guest's directory under the fixture directory.
const name = "big"

// Bench is the big guest's bench.json: what gen.py's payload options
// planted (testdata/kernel/payload.py).
type Bench struct {
	Scenario string   `json:"scenario"` // the module scenario, "leak"
	Mem      string   `json:"mem"`      // "4096M"
	Files    int      `json:"files"`    // small files in ListDir
	ListDir  string   `json:"list_dir"` // "/bench/f"
	BigMiB   int      `json:"big_mib"`  // MiB of page cache in /bench/big
	Formats  []string `json:"formats"`  // the dump formats written
}

// openBig opens the big guest's /proc/vmcore copy (the dump the benchmark
// reads) with its truth.json and bench.json. A missing fixture skips the
// test, or fails it under CI (internal/fixture).
func openBig(t *testing.T) (*kernel.Kernel, *fixture.GroundTruth, *Bench) {
	t.Helper()
	g := fixture.Truth(t, name)
	// gen.py moves the whole directory into place, truth.json with it: a
	// complete directory without bench.json is a broken fixture, not a missing one.
	b, err := os.ReadFile(filepath.Join(filepath.Dir(fixture.TruthPath(name)), "bench.json"))
	if err != nil {
		t.Fatal(err)
	}
	var bench Bench
	if err := json.Unmarshal(b, &bench); err != nil {
		t.Fatalf("bench.json: %v", err)
	}
	if bench.Files <= 0 || !strings.HasPrefix(bench.ListDir, "/") {
		t.Fatalf("bench.json plants no list directory: %+v", bench)
	}
	k, err := kernel.Open([]string{fixture.DumpPath(t, name, "proc-vmcore.elf")}, kernel.Options{Vmlinux: fixture.Vmlinux(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Close() })
	return k, g, &bench
}

// dentries walks a directory's children: the d_subdirs list of its dentry,
// entries struct dentry linked through d_child. It fails the test on any
// finding or an unfinished walk.
func dentries(t *testing.T, k *kernel.Kernel, dentry uint64, path string) []kernel.ListEntry {
	t.Helper()
	d, err := k.Object("struct dentry", dentry, path)
	if err != nil {
		t.Fatal(err)
	}
	head, err := d.Field("d_subdirs")
	if err != nil {
		t.Fatal(err)
	}
	r, err := k.WalkList(head.Addr(), kernel.ListOptions{Type: "struct dentry", Member: "d_child", Name: path + " d_subdirs"})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Findings) != 0 || !r.Complete {
		t.Fatalf("%s: d_subdirs walk complete=%v after %d entries, findings %v", path, r.Complete, len(r.Entries), r.Findings)
	}
	return r.Entries
}

// dentryName is d_name of the dentry at addr.
func dentryName(k *kernel.Kernel, addr uint64) (string, error) {
	d, err := k.Object("struct dentry", addr, "dentry")
	if err != nil {
		return "", err
	}
	n, err := d.Field("d_name.name")
	if err != nil {
		return "", err
	}
	return n.CString(256)
}

// lookup finds the dentry of an absolute path from init's root (init_fs;
// the guest runs from its initramfs, so that is the rootfs).
func lookup(t *testing.T, k *kernel.Kernel, path string) uint64 {
	t.Helper()
	fs, err := k.Global("init_fs")
	if err != nil {
		t.Fatal(err)
	}
	root, err := fs.Field("root.dentry")
	if err != nil {
		t.Fatal(err)
	}
	cur, err := root.Pointer()
	if err != nil {
		t.Fatal(err)
	}
	at := ""
	for _, comp := range strings.Split(strings.Trim(path, "/"), "/") {
		next := uint64(0)
		for _, e := range dentries(t, k, cur, at+"/") {
			n, err := dentryName(k, e.Entry)
			if err != nil {
				t.Fatalf("%s/: child %#x: %v", at, e.Entry, err)
			}
			if n == comp {
				next = e.Entry
				break
			}
		}
		at += "/" + comp
		if next == 0 {
			t.Fatalf("%s: no such dentry", at)
		}
		cur = next
	}
	return cur
}

// TestBigListDir walks the benchmark's long list, the children of the
// payload's directory, and expects exactly the files gen.py planted:
// bench.json's count, named 000000, 000001, ... as payload.py names them.
func TestBigListDir(t *testing.T) {
	k, _, bench := openBig(t)
	dir := lookup(t, k, bench.ListDir)
	ents := dentries(t, k, dir, bench.ListDir)
	if len(ents) != bench.Files {
		t.Fatalf("%s: %d entries in d_subdirs, bench.json planted %d files", bench.ListDir, len(ents), bench.Files)
	}
	seen := make([]bool, bench.Files)
	for _, e := range ents {
		n, err := dentryName(k, e.Entry)
		if err != nil {
			t.Fatalf("%s: entry %d at %#x: %v", bench.ListDir, e.Index, e.Entry, err)
		}
		var i int
		if _, err := fmt.Sscanf(n, "%06d", &i); err != nil || fmt.Sprintf("%06d", i) != n || i >= bench.Files || seen[i] {
			t.Fatalf("%s: entry %d is %q: not one of the planted names, or seen twice", bench.ListDir, e.Index, n)
		}
		seen[i] = true
	}
}

// TestBigSlabinfoLeak expects slabinfo to count at least the kmalloc-256
// objects the leak scenario's module leaked in the big guest.
func TestBigSlabinfoLeak(t *testing.T) {
	k, g, _ := openBig(t)
	if g.Leak == nil || g.Leak.Count == 0 {
		t.Fatalf("truth.json of %s has no leak fact (scenario %s)", name, g.Scenario)
	}
	s, err := slab.For(k)
	if err != nil {
		t.Fatal(err)
	}
	in, err := s.Slabinfo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range in {
		if c.Name != g.Leak.Cache {
			continue
		}
		t.Logf("%s: %d slabs, %d objects, %d active; %d leaked", c.Name, c.Slabs, c.Objects, c.Active, g.Leak.Count)
		if c.Active < uint64(g.Leak.Count) {
			t.Errorf("%s: %d active objects, fewer than the %d leaked", c.Name, c.Active, g.Leak.Count)
		}
		return
	}
	t.Fatalf("no %s in slabinfo", g.Leak.Cache)
}
