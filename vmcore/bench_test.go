package vmcore_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/kdx-dev/kdx/internal/fixture"
	"github.com/kdx-dev/kdx/vmcore"
)

// Benchmarks on the "clean" fixture dump (or $KDX_BENCH_SCENARIO, e.g.
// "big" for the 4 GiB guest) in every format present:
//
//	go test -run X -bench . -benchtime 3x ./vmcore/
var benchFormats = fixture.Formats

func benchScenario() string {
	if s := os.Getenv("KDX_BENCH_SCENARIO"); s != "" {
		return s
	}
	return "clean"
}

func benchDumps(b *testing.B) []string {
	var out []string
	for _, f := range benchFormats {
		if _, err := os.Stat(filepath.Join(fixture.Dir(), benchScenario(), f)); err == nil {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		fixture.DumpPath(b, "clean", "elf") // skips or fails as the fixture rules say
	}
	return out
}

func BenchmarkOpen(b *testing.B) {
	for _, f := range benchDumps(b) {
		path := filepath.Join(fixture.Dir(), benchScenario(), f)
		b.Run(f, func(b *testing.B) {
			for b.Loop() {
				d, err := vmcore.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				d.Close()
			}
		})
	}
}

// presentPages lists the page addresses a dump holds.
func presentPages(d *vmcore.Dump) []uint64 {
	var out []uint64
	for _, r := range d.PresentRanges() {
		for a := r.Start &^ 0xfff; a < r.End; a += 4096 {
			out = append(out, a)
		}
	}
	return out
}

func BenchmarkRandomRead(b *testing.B) {
	for _, f := range benchDumps(b) {
		b.Run(f, func(b *testing.B) {
			d := openT(b, filepath.Join(fixture.Dir(), benchScenario(), f))
			pages := presentPages(d)
			r := rand.New(rand.NewPCG(1, 2))
			buf := make([]byte, 4096)
			b.SetBytes(4096)
			for b.Loop() {
				a := pages[r.IntN(len(pages))]
				if _, err := d.ReadPhys(buf, a); err != nil && !benignErr(err) {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
		})
	}
}

func benignErr(err error) bool {
	return err != nil && (errorsIs(err, vmcore.ErrTruncated) || errorsIs(err, vmcore.ErrExcluded))
}

// BenchmarkScan reads every present page once, in parallel on all cores,
// searching each for a byte (as a memory search does); MB/s is the scan
// throughput.
func BenchmarkScan(b *testing.B) {
	for _, f := range benchDumps(b) {
		b.Run(f, func(b *testing.B) {
			d := openT(b, filepath.Join(fixture.Dir(), benchScenario(), f))
			var total int64
			for _, r := range d.PresentRanges() {
				total += int64(r.End - r.Start)
			}
			b.SetBytes(total)
			for b.Loop() {
				var hits atomic.Int64
				err := d.ForEachPage(context.Background(), 0, func(_ uint64, page []byte, err error) error {
					if err == nil && bytes.IndexByte(page, 0xa5) >= 0 {
						hits.Add(1)
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkTranslate(b *testing.B) {
	d := openT(b, fixture.DumpPath(b, "clean", "kdump-zlib"))
	km := kmem(b, d)
	var vas []uint64
	_ = km.ForEachMapping(km.VmallocBase(), km.VmallocBase()+32<<40, func(va, pa, size uint64) error {
		vas = append(vas, va)
		return nil
	})
	if len(vas) == 0 {
		b.Skip("no vmalloc mappings")
	}
	i := 0
	for b.Loop() {
		if _, err := km.Translate(vas[i%len(vas)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkCachedReadParallel reads a working set that fits the page cache
// from all cores: the cost of a hit and of contention on the shard locks.
func BenchmarkCachedReadParallel(b *testing.B) {
	d := openT(b, fixture.DumpPath(b, "clean", "kdump-zlib"))
	pages := presentPages(d)[:4096]
	buf := make([]byte, 4096)
	for _, a := range pages {
		d.ReadPhys(buf, a)
	}
	b.SetBytes(512)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		r := rand.New(rand.NewPCG(rand.Uint64(), 1))
		buf := make([]byte, 512)
		for pb.Next() {
			if _, err := d.ReadPhys(buf, pages[r.IntN(len(pages))]+1024); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
