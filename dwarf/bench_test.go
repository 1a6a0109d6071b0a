package dwarf

import (
	"testing"

	"github.com/kdx-dev/kdx/internal/fixture"
)

// BenchmarkColdIndex is Open without a cache: the parallel DWARF scan,
// the merge, and the symbol table. Compare with drgn:
// python3 -c "import drgn; p=drgn.Program(); p.load_debug_info(['PATH'])".
func BenchmarkColdIndex(b *testing.B) {
	path := fixture.Vmlinux(b)
	b.Setenv("KDX_NO_CACHE", "1")
	for b.Loop() {
		bin, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		bin.Close()
	}
}

// BenchmarkWarmOpen is Open with the index cache present.
func BenchmarkWarmOpen(b *testing.B) {
	path := fixture.Vmlinux(b)
	b.Setenv("XDG_CACHE_HOME", b.TempDir())
	bin, err := Open(path) // writes the cache
	if err != nil {
		b.Fatal(err)
	}
	bin.Close()
	for b.Loop() {
		bin, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		bin.Close()
	}
}

// BenchmarkTypeDecode decodes struct task_struct (and everything it
// reaches) from scratch.
func BenchmarkTypeDecode(b *testing.B) {
	bin := openFixture(b)
	for b.Loop() {
		bin.types.init(bin.dd)
		if _, err := bin.Type("struct task_struct"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTypeLookup is a lookup of an already decoded type.
func BenchmarkTypeLookup(b *testing.B) {
	bin := openFixture(b)
	if _, err := bin.Type("struct kmem_cache"); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		bin.Type("struct kmem_cache")
	}
}

func BenchmarkSymbolByName(b *testing.B) {
	bin := openFixture(b)
	for b.Loop() {
		if _, ok := bin.Symbol("schedule"); !ok {
			b.Fatal("no schedule")
		}
	}
}

func BenchmarkSymbolByAddr(b *testing.B) {
	bin := openFixture(b)
	addr, _ := bin.Symbol("schedule")
	for b.Loop() {
		if _, _, ok := bin.Lookup(addr + 7); !ok {
			b.Fatal("no symbol")
		}
	}
}
