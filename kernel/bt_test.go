package kernel

import (
	"strings"
	"testing"

	"github.com/kdx-dev/kdx/internal/fixture"
)

// funcs lists a backtrace's function names, reliable frames only.
func funcs(b *Backtrace) []string {
	var out []string
	for _, f := range b.Frames {
		if !f.Unreliable {
			out = append(out, f.Func)
		}
	}
	return out
}

func indexOf(s []string, x string) int {
	for i, v := range s {
		if v == x {
			return i
		}
	}
	return -1
}

func TestBacktracePanicTask(t *testing.T) {
	truth := fixture.Truth(t, "panic")
	if truth.Panic == nil {
		t.Fatal("panic scenario truth has no panic")
	}
	for _, format := range []string{"kdump-c31", "kdump-l31", "proc-vmcore.elf", "elf"} {
		t.Run(format, func(t *testing.T) {
			k := openFixture(t, "panic", format)
			tl, err := k.Tasks()
			if err != nil {
				t.Fatal(err)
			}
			if tl.Panic == nil {
				t.Fatal("no panic task")
			}
			b, err := k.Backtrace(tl.Panic)
			if err != nil {
				t.Fatal(err)
			}
			fn := funcs(b)
			i := indexOf(fn, truth.Panic.Function)
			if i < 0 {
				t.Fatalf("%s not in the backtrace:\n%s", truth.Panic.Function, b)
			}
			if m := b.Frames[i].Module; m != truth.Panic.Module {
				t.Errorf("frame %d module %q, want %q", i, m, truth.Panic.Module)
			}
			// The faulting frame comes out of the page fault's pt_regs.
			if i == 0 || b.Frames[i-1].Exception == nil || b.Frames[i-1].Func != "asm_exc_page_fault" {
				t.Errorf("frame before %s is not the page fault's exception frame:\n%s", truth.Panic.Function, b)
			}
			// The callers, in order, down to the system call entry.
			want := []string{"kdx_crash_set", "param_attr_store", "module_attr_store", "kernfs_fop_write_iter",
				"vfs_write", "ksys_write", "do_syscall_64", "entry_SYSCALL_64_after_hwframe"}
			if got := fn[i+1:]; strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("callers of %s = %v, want %v", truth.Panic.Function, got, want)
			}
			// A kdump's panic registers point into __crash_kexec, which
			// objtool leaves without ORC: its caller is found with DWARF CFI.
			if b.Frames[0].Func == "__crash_kexec" && (len(b.Frames) < 2 || b.Frames[1].How != "cfi" || b.Frames[1].Func != "panic") {
				t.Errorf("frame 1 should be panic, unwound with CFI:\n%s", b)
			}
			if !b.Complete || !b.UserRegs.UserMode() {
				t.Errorf("want a complete unwind ending in user mode, got end %q", b.End)
			}
			j := indexOf(fn, "panic")
			if j < 0 || j > i {
				t.Fatalf("panic() not above the fault:\n%s", b)
			}
			if f := b.Frames[j]; f.File != "kernel/panic.c" || f.Line <= 0 {
				t.Errorf("panic frame at %s:%d, want kernel/panic.c", f.File, f.Line)
			}
		})
	}
}

func TestBacktraceKthread(t *testing.T) {
	for _, scenario := range fixture.Scenarios {
		for _, format := range []string{"elf", "kdump-c31"} {
			t.Run(scenario+"/"+format, func(t *testing.T) {
				truth := fixture.Truth(t, scenario)
				k := openFixture(t, scenario, format)
				task, err := k.TaskByPID(truth.Kthread.PID)
				if err != nil {
					t.Fatal(err)
				}
				if task.Addr != uint64(truth.Kthread.Task) {
					t.Fatalf("pid %d is task %#x, truth says %v", task.PID, task.Addr, truth.Kthread.Task)
				}
				b, err := k.Backtrace(task)
				if err != nil {
					t.Fatal(err)
				}
				fn := funcs(b)
				n := len(fn)
				if !b.Complete || n < 3 || fn[n-1] != "ret_from_fork" || fn[n-2] != "kthread" {
					t.Fatalf("want a complete unwind ending kthread, ret_from_fork:\n%s", b)
				}
				if f := b.Frames[n-3]; f.Module != truth.Module.Name {
					t.Errorf("the thread function %s is in module %q, want %q", f.Symbol, f.Module, truth.Module.Name)
				}
				if indexOf(fn, "__schedule") != 0 {
					t.Errorf("a sleeping kthread starts in __schedule:\n%s", b)
				}
			})
		}
	}
}

func TestBacktraceAllClean(t *testing.T) {
	for _, format := range []string{"elf", "kdump-c31"} {
		t.Run(format, func(t *testing.T) {
			k := openFixture(t, "clean", format)
			bts, err := k.BacktraceAll()
			if err != nil {
				t.Fatal(err)
			}
			tl, _ := k.Tasks()
			if len(bts) != len(tl.Tasks) || len(bts) < 10 {
				t.Fatalf("%d backtraces for %d tasks", len(bts), len(tl.Tasks))
			}
			for _, b := range bts {
				// A task caught running in user space has no kernel frames:
				// its user registers are the whole answer.
				inUser := b.UserRegs != nil && b.UserRegs.UserMode()
				if !b.Complete || len(b.Frames) == 0 && !inUser {
					t.Errorf("pid %d %q: %s", b.Task.PID, b.Task.Comm, b.End)
				}
				for _, f := range b.Frames {
					if f.Symbol == "" || f.Unreliable {
						t.Errorf("pid %d frame %d at %#x: no symbol or unreliable", b.Task.PID, f.Index, f.PC)
					}
				}
			}
			t.Logf("%d tasks unwound", len(bts))
		})
	}
}

// The running machine's CPUs unwind from QEMU's register notes, idle
// CPUs down to the idle loop's start.
func TestBacktraceRunningCPUs(t *testing.T) {
	k := openFixture(t, "clean", "elf")
	tl, err := k.Tasks()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, task := range tl.Running {
		if task == nil {
			continue
		}
		n++
		b, err := k.Backtrace(task)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(b.Source, "QEMU CPU state") || !b.Complete {
			t.Errorf("cpu %d: source %q, end %q", task.CPU, b.Source, b.End)
		}
		if task.Idle && indexOf(funcs(b), "do_idle") < 0 {
			t.Errorf("idle task of cpu %d does not pass do_idle:\n%s", task.CPU, b)
		}
	}
	if n == 0 {
		t.Fatal("no running task")
	}
}

func TestCrashTasks(t *testing.T) {
	for _, tc := range []struct{ scenario, format, note string }{
		{"panic", "kdump-c31", "the panic task"},
		{"clean", "elf", "a running machine"},
	} {
		k := openFixture(t, tc.scenario, tc.format)
		tasks, note, err := k.CrashTasks()
		if err != nil || !strings.Contains(note, tc.note) || len(tasks) == 0 {
			t.Errorf("%s/%s: %d tasks, %q, %v", tc.scenario, tc.format, len(tasks), note, err)
		}
		for i := 1; i < len(tasks); i++ {
			if tasks[i].CPU <= tasks[i-1].CPU {
				t.Errorf("%s/%s: tasks not in CPU order", tc.scenario, tc.format)
			}
		}
	}
}

// The browser unwinds from several goroutines at once: results must not
// depend on it (run with -race to check the sharing).
func TestBacktraceConcurrent(t *testing.T) {
	k := openFixture(t, "panic", "kdump-c31")
	tl, err := k.Tasks()
	if err != nil {
		t.Fatal(err)
	}
	want := make([]string, len(tl.Tasks))
	done := make(chan error, len(tl.Tasks))
	for i := range tl.Tasks {
		go func() {
			b, err := k.Backtrace(&tl.Tasks[i])
			if err == nil {
				want[i] = b.String()
			}
			done <- err
		}()
	}
	for range tl.Tasks {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	for i := range tl.Tasks {
		b, err := k.Backtrace(&tl.Tasks[i])
		if err != nil || b.String() != want[i] {
			t.Errorf("pid %d: concurrent and sequential backtraces differ", tl.Tasks[i].PID)
		}
	}
}
