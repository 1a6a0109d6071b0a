package kernel

import (
	"testing"

	"github.com/kdx-dev/kdx/internal/fixture"
)

func TestWalkListClean(t *testing.T) {
	g := fixture.Truth(t, "clean")
	k := openFixture(t, "clean", "elf")
	for _, l := range g.Lists {
		t.Run(l.Head, func(t *testing.T) {
			opt := ListOptions{Type: l.Type, Member: l.Member, Name: l.Head}
			typed := true
			if _, err := k.Type(l.Type); err != nil {
				opt.Type, typed = "", false // module debug info not loaded: bare nodes
			}
			r, err := k.WalkList(uint64(l.HeadAddr), opt)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Findings) != 0 || !r.Complete {
				t.Fatalf("clean %s: complete=%v findings %v", l.Head, r.Complete, r.Findings)
			}
			if len(r.Entries) != l.Count {
				t.Fatalf("%s: %d entries, want %d", l.Head, len(r.Entries), l.Count)
			}
			if typed && (r.Entries[0].Entry != uint64(l.First) || r.Entries[len(r.Entries)-1].Entry != uint64(l.Last)) {
				t.Errorf("%s: first/last %#x/%#x, want %v/%v", l.Head, r.Entries[0].Entry, r.Entries[len(r.Entries)-1].Entry, l.First, l.Last)
			}
		})
	}
}

// TestWalkListPlanted walks the list scenario's damaged lists and expects
// each planted fault at its ground-truth word with its kind.
func TestWalkListPlanted(t *testing.T) {
	g := fixture.Truth(t, "list")
	k := openFixture(t, "list", "elf")
	for _, c := range g.Corruptions {
		t.Run(c.Kind, func(t *testing.T) {
			l := g.ListByHead(c.List)
			r, err := k.WalkList(uint64(l.HeadAddr), ListOptions{Name: l.Head})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range r.Findings {
				if f.Kind == c.Kind && f.Addr == uint64(c.Addr) {
					return
				}
			}
			t.Errorf("no %s at %v; findings: %v", c.Kind, c.Addr, r.Findings)
		})
	}
}

func TestListPoison(t *testing.T) {
	for _, tc := range []struct {
		v    uint64
		want bool
	}{{0xdead000000000100, true}, {0xdead000000000122, true}, {0xffff888000000100, false}, {0, false}} {
		if got := isListPoison(tc.v); got != tc.want {
			t.Errorf("isListPoison(%#x) = %v", tc.v, got)
		}
	}
}
