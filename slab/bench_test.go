package slab

import (
	"context"
	"testing"

	"github.com/kdx-dev/kdx/internal/fixture"
	"github.com/kdx-dev/kdx/kernel"
)

func openKernel(b *testing.B, scenario, format string) *kernel.Kernel {
	k, err := kernel.Open([]string{fixture.DumpPath(b, scenario, format)}, kernel.Options{Vmlinux: fixture.Vmlinux(b)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { k.Close() })
	return k
}

// BenchmarkCheckAll is a whole-dump `kdx check` without references: the
// layout probe, cache walk, memory-map scan, every slab and the outlier
// scan, from a fresh SLUB state each time (the kernel stays open).
func BenchmarkCheckAll(b *testing.B) {
	for _, tc := range []struct{ scenario, format string }{{"clean", "elf"}, {"leak", "elf"}, {"clean", "kdump-zlib"}} {
		b.Run(tc.scenario+"/"+tc.format, func(b *testing.B) {
			k := openKernel(b, tc.scenario, tc.format)
			for b.Loop() {
				s, err := open(k)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := s.Check(context.Background(), CheckOptions{Suspect: true}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSlabinfo(b *testing.B) {
	k := openKernel(b, "leak", "elf")
	for b.Loop() {
		s, err := open(k)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Slabinfo(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFreelistDecode walks a full synthetic freelist of 512 objects.
func BenchmarkFreelistDecode(b *testing.B) {
	v, head := syntheticSlab(512, 64, 32, 0x1234_5678_9abc_def0, true)
	mark := make([]uint8, v.objects)
	for b.Loop() {
		clear(mark)
		if r := v.walkFreelist(head, 0, mark, 1, true, true); !r.complete || r.count != v.objects {
			b.Fatalf("walk %+v", r)
		}
	}
}
