package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/kdx-dev/kdx/internal/fixture"
)

// TestWhatisCommand runs `kdx whatis --json` on every ground-truth sample
// of the clean dump: slab objects with their cache and state, the module
// kthread's stack, and a module symbol.
func TestWhatisCommand(t *testing.T) {
	dump, vmlinux := fixture.DumpPath(t, "clean", "elf"), fixture.Vmlinux(t)
	truth := fixture.Truth(t, "clean")
	for _, s := range truth.Samples {
		var out, errb bytes.Buffer
		if code := run([]string{"whatis", "--json", "--addr", s.Addr.String(), dump, vmlinux}, &out, &errb); code != 0 {
			t.Fatalf("whatis %s: exit %d: %s", s.Addr, code, errb.String())
		}
		var w struct {
			Kind   string
			Desc   string
			Symbol string
			Slab   *struct {
				Cache  string
				Object string
				Free   bool
				Known  bool
			}
			Task *struct{ Addr string }
		}
		if err := json.Unmarshal(out.Bytes(), &w); err != nil {
			t.Fatalf("whatis %s: %v in %s", s.Addr, err, out.String())
		}
		switch s.Kind {
		case "allocated", "allocated-interior", "free", "list-node", "buffer":
			if w.Kind != "slab" || w.Slab == nil || w.Slab.Cache != s.Cache || w.Slab.Object != s.Object.String() || !w.Slab.Known {
				t.Errorf("%s %s: %+v %+v, want object %s of %s", s.Kind, s.Addr, w, w.Slab, s.Object, s.Cache)
			} else if w.Slab.Free != (s.Kind == "free") {
				t.Errorf("%s %s: free=%v", s.Kind, s.Addr, w.Slab.Free)
			}
		case "stack":
			if w.Kind != "task-stack" || w.Task == nil || w.Task.Addr != s.Task.String() {
				t.Errorf("stack %s: %s %q", s.Addr, w.Kind, w.Desc)
			}
		case "symbol":
			if !strings.HasPrefix(w.Symbol, s.Symbol) {
				t.Errorf("symbol %s: %q, want %s", s.Addr, w.Symbol, s.Symbol)
			}
		}
	}
}
