package vmcore

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// TestSmallReadsThroughPageCache checks small reads (served by pread into
// the file-page cache) against the file's bytes: across page boundaries,
// at the end of a file whose last page is partial, and past it.
func TestSmallReadsThroughPageCache(t *testing.T) {
	want := make([]byte, 5*filePage+123)
	r := rand.New(rand.NewPCG(3, 4))
	for i := range want {
		want[i] = byte(r.Uint32())
	}
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, want, 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := mapFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.close()
	for i := 0; i < 5000; i++ {
		n := 1 + r.IntN(bulkRead-1)
		off := r.Int64N(int64(len(want)) + 16)
		got := make([]byte, n)
		k := m.copyAt(got, off)
		exp := 0
		if off < int64(len(want)) {
			exp = min(n, len(want)-int(off))
		}
		if k != exp || k > 0 && !bytes.Equal(got[:k], want[off:off+int64(k)]) {
			t.Fatalf("copyAt(%d bytes at %d) = %d bytes, want %d matching the file", n, off, k, exp)
		}
	}
}
