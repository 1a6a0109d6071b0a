package vmcore

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/kdx-dev/kdx/internal/fixture"
)

// TestRealCorruption truncates the real fixture dumps at many points and
// flips bits all over their headers, then opens and reads each result: every
// call must return data or an error, never panic, and finish in bounded
// time. Truncations are zero-copy views of the mapped file; flips work on
// a copy of the leading 256 KiB (headers, notes, bitmaps, first tables).
func TestRealCorruption(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: reads across whole real dumps")
	}
	fixture.Dumps(t) // fails under CI, skips elsewhere, when there are none
	dir := filepath.Join(fixture.Dir(), "clean")
	found := 0
	for _, name := range []string{"elf", "elf-virt", "proc-vmcore.elf", "kdump-zlib", "kdump-zlib.flat", "kdump-c31", "kdump-c31.flat", "kdump-l31", "kdump-snappy", "kdump-zstd"} {
		path := filepath.Join(dir, name)
		if _, err := os.Stat(path); err != nil {
			continue
		}
		found++
		t.Run(name, func(t *testing.T) {
			m, err := mapFile(path)
			if err != nil {
				t.Fatal(err)
			}
			defer m.close()
			for _, cut := range cutPoints(len(m.data)) {
				bounded(t, "truncated at "+strconv.Itoa(cut), m.data[:cut])
			}
			prefix := append([]byte(nil), m.data[:min(len(m.data), 256<<10)]...)
			r := rand.New(rand.NewPCG(uint64(len(m.data)), 3))
			for i := 0; i < 1500; i++ {
				pos := i // every byte of the first headers, then anywhere
				if i >= 1000 {
					pos = r.IntN(len(prefix))
				}
				bit := byte(1) << (i % 8)
				prefix[pos] ^= bit
				bounded(t, "bit flip at "+strconv.Itoa(pos), prefix)
				prefix[pos] ^= bit
			}
		})
	}
	if found == 0 {
		t.Skip("no fixture dumps under " + dir)
	}
}

func cutPoints(n int) []int {
	var cuts []int
	for c := 0; c < min(n, 8192); c += 61 {
		cuts = append(cuts, c)
	}
	for c := 8192; c < n; c *= 2 {
		cuts = append(cuts, c, c+13)
	}
	return append(cuts, n-1, max(n-4097, 0))
}

// bounded runs exercise on b and fails if it takes more than 10 s.
func bounded(t *testing.T, what string, b []byte) {
	t.Helper()
	start := time.Now()
	exercise(t, b)
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("%s: took %v", what, d)
	}
}

// TestRealTruncated cuts real dumps at 60% (a disk that filled up): every
// page reads as in the whole file or fails with ErrTruncated, and both
// outcomes occur.
func TestRealTruncated(t *testing.T) {
	fixture.Dumps(t)
	dir := filepath.Join(fixture.Dir(), "clean")
	for _, name := range []string{"kdump-c31", "kdump-zlib", "kdump-zlib.flat", "proc-vmcore.elf"} {
		path := filepath.Join(dir, name)
		if _, err := os.Stat(path); err != nil {
			continue
		}
		t.Run(name, func(t *testing.T) {
			whole, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer whole.Close()
			m := whole.maps[0]
			cut, err := openBytes(path+"[:60%]", m.data[:len(m.data)*6/10])
			if err != nil {
				t.Fatal(err)
			}
			same, trunc := 0, 0
			a, b := make([]byte, 4096), make([]byte, 4096)
			for _, r := range whole.PresentRanges() {
				for p := r.Start &^ 0xfff; p < r.End; p += 64 << 12 {
					_, errA := whole.ReadPhys(a, p)
					_, errB := cut.ReadPhys(b, p)
					switch {
					case errA != nil:
					case errB == nil && string(a) == string(b):
						same++
					case errors.Is(errB, ErrTruncated):
						trunc++
					default:
						t.Fatalf("0x%x: %v (whole file reads it)", p, errB)
					}
				}
			}
			if same == 0 || trunc == 0 {
				t.Errorf("%d pages read, %d truncated", same, trunc)
			}
			if c := cut.Coverage(); c.TruncatedPages == 0 || c.TruncatedPages > c.StoredPages {
				t.Errorf("coverage of the cut file: %+v", c)
			}
		})
	}
}
