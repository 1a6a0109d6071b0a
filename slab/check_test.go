package slab

import (
	"context"
	"testing"

	"github.com/kdx-dev/kdx/internal/fixture"
	"github.com/kdx-dev/kdx/kernel"
)

// openSLUB opens one fixture dump and its SLUB state.
func openSLUB(t testing.TB, scenario, format string) (*kernel.Kernel, *SLUB) {
	t.Helper()
	k, err := kernel.Open([]string{fixture.DumpPath(t, scenario, format)}, kernel.Options{Vmlinux: fixture.Vmlinux(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Close() })
	s, err := For(k)
	if err != nil {
		t.Fatal(err)
	}
	return k, s
}

func TestCheckCleanHasNoFindings(t *testing.T) {
	for _, format := range []string{"elf", "kdump-c31"} {
		t.Run(format, func(t *testing.T) {
			_, s := openSLUB(t, "clean", format)
			r, err := s.Check(context.Background(), CheckOptions{Suspect: true})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d caches, %d slabs, %d objects, variant %s", r.Caches, r.Slabs, r.Objects, s.Variant())
			for _, f := range r.Findings {
				t.Errorf("%v", f)
			}
		})
	}
}

// TestCheckFindsPlanted runs Check on each slab scenario and expects each
// planted corruption at its ground-truth word, with its kind.
func TestCheckFindsPlanted(t *testing.T) {
	for _, tc := range []struct{ scenario, format string }{
		{"freelist", "elf"}, {"freelist", "kdump-c31"}, {"slabmeta", "elf"}, {"slabmeta", "kdump-l31"},
	} {
		t.Run(tc.scenario+"/"+tc.format, func(t *testing.T) {
			g := fixture.Truth(t, tc.scenario)
			_, s := openSLUB(t, tc.scenario, tc.format)
			r, err := s.Check(context.Background(), CheckOptions{Suspect: true})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range g.Corruptions {
				if !hasFinding(r.Findings, c.Kind, uint64(c.Addr), uint64(c.Addr)+uint64(max(c.Len, 8))) {
					t.Errorf("no %s at %v", c.Kind, c.Addr)
				}
			}
			for _, f := range r.Findings {
				t.Logf("%v", f)
			}
		})
	}
}

func hasFinding(fs []kernel.Finding, kind string, lo, hi uint64) bool {
	for _, f := range fs {
		if f.Kind == kind && f.Addr >= lo && f.Addr < hi {
			return true
		}
	}
	return false
}

// TestCheckFindsBitflips expects the outlier scan to name each flipped
// word of the bitflip scenario as suspect.
func TestCheckFindsBitflips(t *testing.T) {
	g := fixture.Truth(t, "bitflip")
	_, s := openSLUB(t, "bitflip", "elf")
	r, err := s.Check(context.Background(), CheckOptions{Suspect: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range r.Findings {
		t.Logf("%v", f)
	}
	for _, c := range g.Corruptions {
		if !hasFinding(r.Findings, kernel.KindSuspectWord, uint64(c.Addr), uint64(c.Addr)+8) {
			t.Errorf("bit %d of %s at %v: not found", c.Bit, c.Field, c.Addr)
		}
	}
}

// TestCheckEveryFormat: the same verdicts from every format of a scenario
// (the -d 31 dumps lack free pages, not slab pages).
func TestCheckEveryFormat(t *testing.T) {
	for _, sc := range []string{"clean", "freelist", "slabmeta"} {
		g := fixture.Truth(t, sc)
		for _, format := range fixture.Formats {
			t.Run(sc+"/"+format, func(t *testing.T) {
				_, s := openSLUB(t, sc, format)
				r, err := s.Check(context.Background(), CheckOptions{Suspect: true})
				if err != nil {
					t.Fatal(err)
				}
				if sc == "clean" && len(r.Findings) != 0 {
					t.Errorf("%d findings on clean, first %v", len(r.Findings), r.Findings[0])
				}
				for _, c := range g.Corruptions {
					if !hasFinding(r.Findings, c.Kind, uint64(c.Addr), uint64(c.Addr)+uint64(max(c.Len, 8))) {
						t.Errorf("no %s at %v", c.Kind, c.Addr)
					}
				}
			})
		}
	}
}

func TestCheckProgressAndSelection(t *testing.T) {
	_, s := openSLUB(t, "clean", "elf")
	var p Progress
	r, err := s.Check(context.Background(), CheckOptions{Caches: []string{"kdx_obj", "kmalloc-64"}, Progress: &p})
	if err != nil {
		t.Fatal(err)
	}
	done, total := p.Snapshot()
	if r.Caches != 2 || done != total || total != int64(r.Slabs) || r.Slabs == 0 {
		t.Errorf("caches %d slabs %d, progress %d/%d", r.Caches, r.Slabs, done, total)
	}
	if _, err := s.Check(context.Background(), CheckOptions{Caches: []string{"no-such-cache"}}); err == nil {
		t.Error("unknown cache accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Check(ctx, CheckOptions{}); err == nil {
		t.Error("cancelled context: no error")
	}
}
