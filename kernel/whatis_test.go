package kernel

import (
	"strings"
	"testing"

	"github.com/kdx-dev/kdx/internal/fixture"
)

func TestWhatisGroundTruthSamples(t *testing.T) {
	for _, c := range []struct{ scenario, format string }{{"clean", "elf"}, {"clean", "kdump-zlib"}, {"panic", "kdump-c31"}} {
		t.Run(c.scenario+"/"+c.format, func(t *testing.T) {
			k := openFixture(t, c.scenario, c.format)
			truth := fixture.Truth(t, c.scenario)
			if len(truth.Samples) == 0 {
				t.Fatal("ground truth has no samples")
			}
			for _, s := range truth.Samples {
				w := k.Whatis(uint64(s.Addr))
				switch s.Kind {
				case "stack":
					if w.Kind != "task-stack" || w.Task == nil || w.Task.Addr != uint64(s.Task) {
						t.Errorf("%s %s: %s %q, want stack of task %s", s.Kind, s.Addr, w.Kind, w.Desc, s.Task)
					}
				case "symbol":
					if !strings.HasPrefix(w.Symbol, s.Symbol) || !strings.Contains(w.Symbol, "["+s.Module+"]") {
						t.Errorf("%s %s: symbol %q, want %s [%s]", s.Kind, s.Addr, w.Symbol, s.Symbol, s.Module)
					}
				case "allocated", "allocated-interior", "free", "list-node", "buffer":
					if c.format == "kdump-c31" && s.Kind == "free" {
						continue // free objects' pages may be filtered at -d 31
					}
					if !strings.Contains(w.Desc, s.Cache) {
						t.Errorf("%s %s: %s %q, want an object of %s", s.Kind, s.Addr, w.Kind, w.Desc, s.Cache)
					}
					if p := k.Whatis(uint64(s.Slab)); p.Kind != "page" || !strings.Contains(p.Desc, "slab page of "+s.Cache) {
						t.Errorf("slab %s: %s %q, want the struct page of a %s slab", s.Slab, p.Kind, p.Desc, s.Cache)
					}
				}
			}
			if w := k.Whatis(uint64(truth.Kthread.Task)); w.Kind != "direct-map" && w.Kind != "slab" {
				t.Errorf("task_struct %s: %s %q", truth.Kthread.Task, w.Kind, w.Desc)
			}
			init, _ := k.Bin.Symbol("init_task")
			if w := k.Whatis(init + 8); w.Symbol != "init_task+0x8" || w.Kind != "symbol" {
				t.Errorf("init_task+8: %s %q", w.Kind, w.Desc)
			}
			if w := k.Whatis(0x7fff00001000); w.Kind != "user" {
				t.Errorf("user address: %s", w.Kind)
			}
		})
	}
}

func TestFormatWords(t *testing.T) {
	words := []Word{
		{Addr: 0x1000, Value: 0x4847464544434241, OK: true},
		{Addr: 0x1008, Value: 0xffffffff81000000, OK: true, Symbol: "_text"},
		{Addr: 0x1010, Err: "excluded", OK: false},
	}
	got := FormatWords(words)
	want := "0000000000001000:  4847464544434241 ffffffff81000000   ABCDEFGH........  <_text>\n" +
		"0000000000001010:  ????????????????                    ........  (excluded)\n"
	if got != want {
		t.Errorf("FormatWords:\n%q\nwant\n%q", got, want)
	}
}
