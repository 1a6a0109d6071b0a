package kernel

import (
	"testing"

	"github.com/kdx-dev/kdx/internal/fixture"
)

func TestStateName(t *testing.T) {
	cases := []struct {
		st, exit uint64
		want     string
	}{
		{0, 0, "RU"}, {1, 0, "IN"}, {2, 0, "UN"}, {0x402, 0, "ID"},
		{4, 0, "ST"}, {8, 0, "TR"}, {0x40, 0, "PA"}, {0, 0x20, "ZO"},
		{0x80, 0x10, "DE"}, {0x800, 0, "NE"}, {0x100000, 0, "??"},
	}
	for _, c := range cases {
		if got := stateName(c.st, c.exit); got != c.want {
			t.Errorf("stateName(%#x, %#x) = %s, want %s", c.st, c.exit, got, c.want)
		}
	}
}

func TestTasksFindModuleThread(t *testing.T) {
	for _, sc := range []string{"clean", "panic"} {
		format := "elf"
		if sc == "panic" {
			format = "kdump-c31"
		}
		t.Run(sc, func(t *testing.T) {
			k := openFixture(t, sc, format)
			truth := fixture.Truth(t, sc)
			tl, err := k.Tasks()
			if err != nil {
				t.Fatal(err)
			}
			if len(tl.Problems) != 0 {
				t.Errorf("problems on a clean task list: %q", tl.Problems)
			}
			if len(tl.Tasks) < 20 {
				t.Errorf("only %d tasks", len(tl.Tasks))
			}
			init, err := k.TaskByPID(1)
			if err != nil || init.Comm != "init" && init.Comm != "sh" {
				t.Errorf("pid 1: %+v, %v", init, err)
			}
			w, err := k.TaskByPID(truth.Kthread.PID)
			if err != nil {
				t.Fatal(err)
			}
			if w.Comm != truth.Kthread.Comm || w.Addr != uint64(truth.Kthread.Task) || !w.Kernel {
				t.Errorf("module kthread = %+v, want comm %s at %s", w, truth.Kthread.Comm, truth.Kthread.Task)
			}
			idle := 0
			for _, tk := range tl.Tasks {
				if tk.Idle {
					idle++
				}
			}
			if idle != k.NumCPUs() {
				t.Errorf("%d idle tasks, want one per CPU (%d)", idle, k.NumCPUs())
			}
			if sc == "panic" && (tl.Panic == nil || !tl.Panic.OnCPU || tl.Panic.Kernel) {
				t.Errorf("panic task = %+v, want the user task that wrote the crash parameter", tl.Panic)
			}
		})
	}
}
