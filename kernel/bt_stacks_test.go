package kernel

import (
	"testing"

	"github.com/kdx-dev/kdx/internal/fixture"
)

// Every CPU's IRQ stack and IST exception stacks are found and readable
// (the NMI stack is where a kdump's stopped CPUs ran crash_nmi_callback).
func TestCPUStacks(t *testing.T) {
	for _, format := range []string{"elf", "kdump-c31"} {
		t.Run(format, func(t *testing.T) {
			k := openFixture(t, "clean", format)
			ncpu := len(k.Dump.CPUs())
			if ncpu == 0 {
				t.Fatal("no CPUs in the dump")
			}
			for cpu := 0; cpu < ncpu; cpu++ {
				stacks, probs := k.cpuStacks(cpu)
				if len(probs) > 0 {
					t.Errorf("cpu %d: %v", cpu, probs)
				}
				names := map[string]stackInfo{}
				for _, s := range stacks {
					names[s.name] = s
					if _, err := k.ReadU64(s.hi - 8); err != nil {
						t.Errorf("cpu %d %s stack %#x-%#x: top unreadable: %v", cpu, s.name, s.lo, s.hi, err)
					}
				}
				if s := names["IRQ"]; s.hi-s.lo != k.threadSize() {
					t.Errorf("cpu %d IRQ stack %#x-%#x, want %d bytes", cpu, s.lo, s.hi, k.threadSize())
				}
				if s, ok := names["NMI"]; !ok || s.hi-s.lo < 4096 {
					t.Errorf("cpu %d: NMI stack %+v", cpu, s)
				}
				// The entry stack page sits just below the TSS in the
				// same cpu_entry_area as the exception stacks.
				if e, n := names["entry"], names["NMI"]; e.hi == 0 || e.hi > n.lo || n.lo-e.hi > 1<<20 {
					t.Errorf("cpu %d: entry stack %+v, NMI stack %+v", cpu, e, n)
				}
			}
		})
	}
}

// Unwinds that start on an IRQ or NMI stack reach the task stack, cross
// the interrupt's pt_regs, and still end normally. The panic scenario's QEMU dump
// always has one (the other CPU sits in crash_nmi_callback); interrupts
// caught in flight by QEMU are checked wherever a dump has one.
func TestBacktraceCrossesStacks(t *testing.T) {
	nmi := 0
	for _, d := range fixture.Dumps(t) {
		if d.Format != "elf" {
			continue
		}
		k := openFixture(t, d.Scenario, d.Format)
		bts, err := k.BacktraceAll()
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range bts {
			if len(b.Frames) == 0 || b.Frames[0].Stack == "task" {
				continue
			}
			first := b.Frames[0].Stack
			if b.Complete && b.UserRegs != nil && b.UserRegs.UserMode() && len(b.Frames) == 1 {
				// Caught at the first instruction of an entry from user
				// space, still on the entry stack: the user registers are
				// the rest of the story (QEMU stopped pid 1 there in some
				// boots).
				t.Logf("%s/%s pid %d: entry from user mode on the %s stack", d.Scenario, d.Format, b.Task.PID, first)
				continue
			}
			i := 0
			for i < len(b.Frames) && b.Frames[i].Stack == first {
				i++
			}
			// The IRQ stack is left through call_on_irqstack's saved SP,
			// then the entry code's pt_regs; the NMI stack through pt_regs.
			exc := ""
			for _, f := range b.Frames[i-1:] {
				if f.Exception != nil && !f.Exception.UserMode() {
					exc = f.Func
					break
				}
			}
			if i == len(b.Frames) || exc == "" || b.Frames[i].Stack != "task" || !b.Complete {
				t.Errorf("%s/%s pid %d: starts on the %s stack but does not cross a pt_regs to the task stack:\n%s",
					d.Scenario, d.Format, b.Task.PID, first, b)
				continue
			}
			if first == "NMI" {
				nmi++
			}
			t.Logf("%s/%s pid %d: %s stack -> task stack, pt_regs of %s", d.Scenario, d.Format, b.Task.PID, first, exc)
		}
	}
	if nmi == 0 {
		t.Error("no backtrace crossed from the NMI stack (expected in panic/elf)")
	}
}

// A kdump's CPUs other than the panicking one are shown inside the crash
// NMI handler, above the state their note saved, as crash shows them.
func TestBacktraceKdumpStoppedCPU(t *testing.T) {
	for _, sc := range []string{"panic", "clean"} {
		for _, format := range []string{"kdump-c31", "proc-vmcore.elf"} {
			t.Run(sc+"/"+format, func(t *testing.T) {
				k := openFixture(t, sc, format)
				tl, err := k.Tasks()
				if err != nil {
					t.Fatal(err)
				}
				n := 0
				for _, task := range tl.Running {
					if task == nil || task.Panic {
						continue
					}
					n++
					b, err := k.Backtrace(task)
					if err != nil {
						t.Fatal(err)
					}
					fn := funcs(b)
					if len(fn) < 3 || fn[0] != nmiHandler || b.Frames[0].Stack != "NMI" || !b.Complete {
						t.Fatalf("cpu %d: want a complete unwind from %s on the NMI stack:\n%s", task.CPU, nmiHandler, b)
					}
					regs := b.StartRegs
					for i, f := range b.Frames {
						if f.Exception != nil {
							if f.Exception["ip"] != regs["ip"] || b.Frames[i+1].Stack != "task" {
								t.Errorf("cpu %d: the NMI's pt_regs is not the note's state:\n%s", task.CPU, b)
							}
							break
						}
					}
				}
				if n == 0 {
					t.Fatal("no stopped CPU")
				}
			})
		}
	}
}
