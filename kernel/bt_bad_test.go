package kernel

import (
	"strings"
	"testing"

	"github.com/kdx-dev/kdx/internal/fixture"
)

// kthreadOf returns the fixture module's sleeping kthread.
func kthreadOf(t *testing.T, k *Kernel, scenario string) *Task {
	t.Helper()
	truth := fixture.Truth(t, scenario)
	task, err := k.TaskByPID(truth.Kthread.PID)
	if err != nil {
		t.Fatal(err)
	}
	return task
}

// Bad starting points end the backtrace with a reason, never an error,
// a panic or an endless walk.
func TestBacktraceBadInput(t *testing.T) {
	k := openFixture(t, "clean", "kdump-c31")
	kt := kthreadOf(t, k, "clean")
	sched, _ := k.Bin.Symbol("schedule")
	bottom := kt.Stack + 64 // the unused, zeroed bottom of the stack
	tests := []struct {
		name    string
		task    Task
		regs    Regs
		wantEnd string
	}{
		{"task stack elsewhere", Task{Addr: kt.Addr, PID: kt.PID, Stack: 0x10000}, nil, "outside the task stack"},
		{"SP off every stack", *kt, Regs{"ip": sched + 0x10, "sp": 0x1000, "bp": 0}, "on no known stack"},
		{"PC not text", *kt, Regs{"ip": 0xdeadbeef, "sp": bottom, "bp": 0}, "is not kernel text"},
		{"garbage stack", *kt, Regs{"ip": sched + 0x10, "sp": bottom, "bp": 0}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b *Backtrace
			var err error
			if tc.regs == nil {
				b, err = k.Backtrace(&tc.task)
			} else {
				b, err = k.UnwindFrom(&tc.task, tc.regs, -1, "test")
			}
			if err != nil {
				t.Fatal(err)
			}
			if b.Complete || !strings.Contains(b.End, tc.wantEnd) || len(b.Frames) > maxFrames {
				t.Errorf("complete %v, %d frames, end %q; want an incomplete unwind ending %q", b.Complete, len(b.Frames), b.End, tc.wantEnd)
			}
		})
	}
}

func TestMoveToChecks(t *testing.T) {
	u := &unwinder{stacks: []stackInfo{{"task", 0x10000, 0x14000}, {"IRQ", 0x20000, 0x24000}}, bt: &Backtrace{}}
	tests := []struct {
		name      string
		prev      unwindState
		sp        uint64
		used      uint64
		wantErr   string
		wantStack int
	}{
		{"up the same stack", unwindState{sp: 0x10100, stack: 0}, 0x10200, 0, "", 0},
		{"same SP is a loop", unwindState{sp: 0x10100, stack: 0}, 0x10100, 0, "did not move up", 0},
		{"down the stack", unwindState{sp: 0x10100, stack: 0}, 0x10010, 0, "did not move up", 0},
		{"IRQ to task stack", unwindState{sp: 0x23f00, stack: 1}, 0x10010, 0, "", 0},
		{"back to a stack left", unwindState{sp: 0x10100, stack: 0}, 0x20010, 1 << 1, "went back", 0},
		{"off every stack", unwindState{sp: 0x10100, stack: 0}, 0x50000, 0, "left the task stack at 0x10100", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u.used = tc.used
			next := unwindState{sp: tc.sp}
			err := u.moveTo(&next, tc.prev)
			if tc.wantErr == "" {
				if err != nil || next.stack != tc.wantStack {
					t.Errorf("got stack %d, %v", next.stack, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err %v, want %q", err, tc.wantErr)
			}
		})
	}
}

// The stack-scan fallback finds the sleeping kthread's return addresses,
// marked unreliable.
func TestStackScan(t *testing.T) {
	k := openFixture(t, "clean", "elf")
	kt := kthreadOf(t, k, "clean")
	u, err := k.newUnwinder(kt, -1)
	if err != nil {
		t.Fatal(err)
	}
	st, err := k.sleepState(kt)
	if err != nil {
		t.Fatal(err)
	}
	st.stack = 0
	u.scan(st, "test")
	fn := map[string]bool{}
	for _, f := range u.bt.Frames {
		if !f.Unreliable || f.How != "scan" {
			t.Errorf("frame %d not marked as a scan result", f.Index)
		}
		fn[f.Func] = true
	}
	if !fn["kthread"] || !fn["ret_from_fork"] || u.bt.Complete || !strings.Contains(u.bt.End, "stack scan") {
		t.Errorf("scan found %v, end %q", fn, u.bt.End)
	}
}

// The vmlinux ORC tables read from the file are the ones in the dump's
// memory (__start_orc_unwind_ip.., __start_orc_unwind..).
func TestORCFileMatchesMemory(t *testing.T) {
	k := openFixture(t, "clean", "elf")
	o, err := k.orc()
	if err != nil {
		t.Fatal(err)
	}
	start, ok1 := k.Bin.Symbol("__start_orc_unwind_ip")
	stop, ok2 := k.Bin.Symbol("__stop_orc_unwind_ip")
	ents, ok3 := k.Bin.Symbol("__start_orc_unwind")
	if !ok1 || !ok2 || !ok3 {
		t.Fatal("ORC section symbols missing")
	}
	n := int(stop-start) / 4
	if n != len(o.vmlinux.ips) {
		t.Fatalf("memory has %d entries, file %d", n, len(o.vmlinux.ips))
	}
	// Spot-check a spread of entries rather than read 3.6 MB.
	for i := 0; i < n; i += n / 97 {
		rel, err := k.ReadBytes(start+uint64(4*i), 4)
		if err != nil {
			t.Fatal(err)
		}
		ip := start + uint64(4*i) + uint64(int64(int32(uint32(rel[0])|uint32(rel[1])<<8|uint32(rel[2])<<16|uint32(rel[3])<<24)))
		e, err := k.ReadBytes(ents+uint64(i*o.layout.size), o.layout.size)
		if err != nil {
			t.Fatal(err)
		}
		sz := o.layout.size
		if ip != o.vmlinux.ips[i] || string(e) != string(o.vmlinux.entries[i*sz:(i+1)*sz]) {
			t.Fatalf("entry %d: memory ip %#x % x, file ip %#x % x", i, ip, e, o.vmlinux.ips[i], o.vmlinux.entries[i*sz:(i+1)*sz])
		}
	}
	if len(o.modules) == 0 {
		t.Error("no module ORC tables read from the dump")
	}
}

// A task marked running on a CPU the dump has no registers for falls back
// to its switch frame, and the output says that frame is stale.
func TestBacktraceRunningWithoutRegisters(t *testing.T) {
	k := openFixture(t, "clean", "kdump-c31")
	kt := *kthreadOf(t, k, "clean")
	kt.OnCPU, kt.CPU = true, 99
	b, err := k.Backtrace(&kt)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.Source, "STALE") || !b.Complete {
		t.Errorf("source %q, end %q", b.Source, b.End)
	}
}
