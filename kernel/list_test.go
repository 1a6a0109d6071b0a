package kernel

import (
	"testing"

	"github.com/kdx-dev/kdx/dwarf"
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

// TestWalkHlist walks pid 1's struct pid tasks[PIDTYPE_PID] hlist, whose
// one node is the task's own pid_links[PIDTYPE_PID].
func TestWalkHlist(t *testing.T) {
	k := openFixture(t, "clean", "elf")
	task, err := k.TaskByPID(1)
	if err != nil {
		t.Fatal(err)
	}
	tv, err := k.Object("struct task_struct", task.Addr, "pid 1")
	if err != nil {
		t.Fatal(err)
	}
	index := func(v dwarf.Value, field string) dwarf.Value {
		f, err := v.Field(field)
		if err == nil {
			f, err = f.Index(0)
		}
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	node := index(tv, "pid_links")
	head := index(tv, "thread_pid.tasks")
	r, err := k.WalkList(head.Addr(), ListOptions{Hlist: true, Name: "pid 1 thread_pid->tasks[0]"})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Complete || len(r.Findings) != 0 || len(r.Entries) != 1 || r.Entries[0].Node != node.Addr() {
		t.Fatalf("hlist walk: complete %v, entries %+v, findings %v; want the one node %#x", r.Complete, r.Entries, r.Findings, node.Addr())
	}
}

// TestListWalkerSteps walks kdx_cycle by hand: the cycle shows up on the
// step that closes it, and the walker then stays done.
func TestListWalkerSteps(t *testing.T) {
	g := fixture.Truth(t, "list")
	c := g.CorruptionsOf("list-cycle")[0]
	k := openFixture(t, "list", "elf")
	w, err := k.NewListWalker(uint64(g.ListByHead("kdx_cycle").HeadAddr), ListOptions{Name: "kdx_cycle"})
	if err != nil {
		t.Fatal(err)
	}
	steps := 0
	for {
		if _, ok := w.Next(); !ok {
			break
		}
		steps++
		if steps > 100 {
			t.Fatal("walker did not stop on the cycle")
		}
	}
	fs := w.Findings()
	if !w.Done() || w.Complete() || len(fs) != 1 || fs[0].Kind != KindListCycle || fs[0].Addr != uint64(c.Addr) {
		t.Fatalf("after %d steps: done %v complete %v findings %v", steps, w.Done(), w.Complete(), fs)
	}
	if _, ok := w.Next(); ok {
		t.Error("Next after the end returned an entry")
	}
}
