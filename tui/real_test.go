package tui

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kdx-dev/kdx/internal/fixture"
	"github.com/kdx-dev/kdx/kernel"
)

// realModel is the browser over a real fixture dump through KernelBackend.
func realModel(t *testing.T, scenario string) Model {
	t.Helper()
	dump := fixture.DumpPath(t, scenario, "kdump-c31")
	k, err := kernel.Open([]string{dump}, kernel.Options{Vmlinux: fixture.Vmlinux(t), ModPaths: []string{filepath.Dir(fixture.Module(t))}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Close() })
	return ready(t, NewKernelBackend(k))
}

// realCheck runs :check and waits for it, as the tick would.
func realCheck(t *testing.T, m Model) Model {
	t.Helper()
	m = press(t, m, ":check", "enter")
	deadline := time.Now().Add(60 * time.Second)
	for !m.check.finished() {
		if time.Now().After(deadline) {
			t.Fatal("check did not finish in 60 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	tm, _ := m.Update(checkTickMsg{m.check})
	return tm.(Model)
}

// TestRealViews opens every view over a real dump and checks that each
// loads and shows what the ground truth says it should.
func TestRealViews(t *testing.T) {
	m := realModel(t, "freelist")
	truth := fixture.Truth(t, "freelist")
	c := truth.Corruptions[0]
	steps := []struct {
		keys []string
		want []string
	}{
		{nil, []string{"RELEASE: " + truth.Release, "sysrq triggered crash", "panic backtrace"}},
		{[]string{"2"}, []string{"[log]", "Kernel panic - not syncing"}},
		{[]string{"3"}, []string{"[ps]", "kdx_worker"}},
		{[]string{"5"}, []string{"[mod]", "kdxplant"}},
		{[]string{"6"}, []string{"[kmem -s]", "kdx_obj"}},
		{[]string{fmt.Sprintf(":kmem -S %s", c.Cache), "enter"}, []string{"node 0 partial", "slabs"}},
		// The damaged object may be below the fold: search brings it up.
		{[]string{fmt.Sprintf(":slab %#x", uint64(c.Slab)), "enter", "/", fmt.Sprintf("%016x", uint64(c.Object)), "enter"},
			[]string{"free       0", fmt.Sprintf("!%016x", uint64(c.Object))}},
		{[]string{fmt.Sprintf(":whatis %#x", uint64(c.Object)), "enter"}, []string{"slab: kdx_obj object", "→ struct kdx_obj"}},
		{[]string{fmt.Sprintf(":list %s -s kdx_node -l link", truth.Lists[0].Head), "enter"}, []string{"entry #0", fmt.Sprintf("entry %#x", uint64(truth.Lists[0].First))}},
	}
	for _, st := range steps {
		m = press(t, m, st.keys...)
		all := pageText(m)
		if p := m.page(); p.state != stReady {
			t.Fatalf("%v: page %s state %d err %v", st.keys, p.cmd, p.state, p.err)
		}
		for _, w := range st.want {
			if !strings.Contains(all, w) && !strings.Contains(view(m), w) {
				t.Fatalf("%v: %q missing from:\n%s", st.keys, w, view(m))
			}
		}
	}
	m = realCheck(t, m)
	found := false
	for i, f := range m.findings {
		if f.Addr == uint64(c.Addr) {
			found = true
			m = press(t, m, fmt.Sprintf(":finding %d", i), "enter")
		}
	}
	if !found {
		t.Fatalf("check did not find the planted %s at %#x: %v", c.Kind, uint64(c.Addr), m.findings)
	}
	all := pageText(m)
	for _, w := range []string{"4141414141414141" + markBad, "struct kdx_obj {", "── references ("} {
		if !strings.Contains(all, w) {
			t.Fatalf("finding page lacks %q:\n%s", w, all)
		}
	}
}

// TestRealCheckFindsLists: on the list dump, :check alone (no list named)
// finds each planted list corruption through the walk of every global
// list head, and the finding opens on the damaged node with its
// references.
func TestRealCheckFindsLists(t *testing.T) {
	truth := fixture.Truth(t, "list")
	m := realCheck(t, realModel(t, "list"))
	for _, c := range truth.Corruptions {
		i := slices.IndexFunc(m.findings, func(f kernel.Finding) bool { return f.Addr == uint64(c.Addr) && f.Kind == c.Kind })
		if i < 0 {
			t.Errorf(":check did not find %s at %#x: %v", c.Kind, uint64(c.Addr), m.findings)
			continue
		}
		if c.Kind != "list-bad-next" {
			continue
		}
		m = press(t, m, fmt.Sprintf(":finding %d", i), "enter")
		all := pageText(m)
		for _, w := range []string{fmt.Sprintf("%016x", uint64(c.Planted)) + markBad, "── references ("} {
			if !strings.Contains(all, w) {
				t.Errorf("finding page lacks %q:\n%s", w, all)
			}
		}
	}
}
