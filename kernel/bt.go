package kernel

import (
	"fmt"
	"sort"
)

// lineFinder is what dwarf.Binary offers for file:line (dwarf/lines.go);
// asserted so that backtraces work, without lines, if it is absent.
type lineFinder interface {
	LineFor(pc uint64) (file string, line int, ok bool)
}

func (k *Kernel) lineFor(pc uint64) (string, int, bool) {
	if lf, ok := any(k.Bin).(lineFinder); ok {
		return lf.LineFor(pc)
	}
	return "", 0, false
}

// Backtrace unwinds one task. A task that was running on a CPU starts from
// that CPU's registers in the dump (NT_PRSTATUS, or QEMU's CPU state for a
// dump of a live machine); a sleeping task from its switch frame
// (task->thread.sp, a struct inactive_task_frame). Problems on the way end
// the backtrace with the reason in End; the error is only for a task that
// cannot be started at all.
func (k *Kernel) Backtrace(t *Task) (*Backtrace, error) {
	if cpu, regs, src, nmi := k.cpuRegsFor(t); regs != nil {
		if nmi {
			if b := k.nmiBacktrace(t, regs, cpu, src); b != nil {
				return b, nil
			}
		}
		return k.UnwindFrom(t, regs, cpu, src)
	}
	u, err := k.newUnwinder(t, -1)
	if err != nil {
		return nil, err
	}
	st, err := k.sleepState(t)
	if err != nil {
		u.finish(err.Error(), false)
		return u.bt, nil
	}
	u.bt.Source = "switch frame at task->thread.sp (not running)"
	if t.OnCPU {
		// Without the CPU's registers the switch frame is from the last
		// time the task was switched out: older than the crash.
		u.bt.Source = fmt.Sprintf("switch frame at task->thread.sp, STALE: the task was running on cpu %d but the dump has no registers for it", t.CPU)
	}
	u.bt.StartRegs = Regs{"ip": st.ip, "sp": st.sp, "bp": st.bp}
	return k.startRun(u, st), nil
}

// UnwindFrom unwinds task t from a register set (ip, sp and bp at least;
// the others help where ORC takes the SP from a register). cpu >= 0 adds
// that CPU's IRQ and exception stacks to the task's stack. source says
// where the registers came from, for the output.
func (k *Kernel) UnwindFrom(t *Task, regs Regs, cpu int, source string) (*Backtrace, error) {
	u, err := k.newUnwinder(t, cpu)
	if err != nil {
		return nil, err
	}
	u.bt.Source, u.bt.StartRegs = source, regs
	if regs.UserMode() {
		u.bt.UserRegs = regs
		u.finish(fmt.Sprintf("running in user mode on cpu %d at the crash: no kernel frames", cpu), true)
		return u.bt, nil
	}
	st := unwindState{ip: regs["ip"], sp: regs["sp"], bp: regs["bp"], regs: regs, fullRegs: true, signal: true}
	return k.startRun(u, st), nil
}

func (k *Kernel) newUnwinder(t *Task, cpu int) (*unwinder, error) {
	// Loading the module list also loads each module's .ko when one is
	// found, which gives module frames file:line; its absence is normal.
	_, _ = k.Modules()
	o, err := k.orc()
	if err != nil {
		return nil, err
	}
	pt, err := k.ptRegs()
	if err != nil {
		return nil, err
	}
	u := &unwinder{k: k, mem: k.Mem, orc: o, pt: pt, bt: &Backtrace{Task: *t, Frames: []Frame{}}}
	u.stacks = []stackInfo{k.taskStack(t.Stack)}
	if cpu >= 0 {
		ex, _ := k.cpuStacks(cpu)
		u.stacks = append(u.stacks, ex...)
	}
	if len(u.stacks) > 64 {
		u.stacks = u.stacks[:64] // the used-stack mask is 64 bits
	}
	return u, nil
}

// startRun places the first SP on a stack and unwinds.
func (k *Kernel) startRun(u *unwinder, st unwindState) *Backtrace {
	st.stack = u.stackOf(st.sp, 8)
	if st.stack < 0 {
		u.bt.Frames = append(u.bt.Frames, u.frame(st))
		u.finish(fmt.Sprintf("start SP %#x is on no known stack (%s)", st.sp, u.stackList()), false)
		return u.bt
	}
	u.run(st)
	return u.bt
}

// sleepState reads a switched-out task's struct inactive_task_frame: the
// kernel's own unwind_start does the same (SP just above the frame,
// PC = ret_addr, exact only for a task that never ran: ret_from_fork).
func (k *Kernel) sleepState(t *Task) (unwindState, error) {
	tv, err := k.Object("struct task_struct", t.Addr, fmt.Sprintf("task %#x", t.Addr))
	if err != nil {
		return unwindState{}, err
	}
	sp, err := ptrField(tv, "thread.sp")
	if err != nil {
		return unwindState{}, err
	}
	stack := k.taskStack(t.Stack)
	ft, err := k.Type("struct inactive_task_frame")
	if err != nil {
		return unwindState{}, err
	}
	if !stack.contains(sp, uint64(ft.Size())) {
		return unwindState{}, fmt.Errorf("task->thread.sp %#x is outside the task stack %#x-%#x", sp, stack.lo, stack.hi)
	}
	fv, err := k.Object("struct inactive_task_frame", sp, fmt.Sprintf("task %#x thread.sp", t.Addr))
	if err != nil {
		return unwindState{}, err
	}
	ip, err := uintField(fv, "ret_addr")
	if err != nil {
		return unwindState{}, err
	}
	bp, err := uintField(fv, "bp")
	if err != nil {
		return unwindState{}, err
	}
	rff, _ := k.Bin.Symbol("ret_from_fork")
	slot := sp
	if off, err := k.Bin.FieldOffset("struct inactive_task_frame", "ret_addr"); err == nil {
		slot += off
	}
	return unwindState{ip: ip, sp: sp + uint64(ft.Size()), bp: bp, signal: ip == rff, slot: slot}, nil
}

// BacktraceAll unwinds every task, in the order of Tasks().
func (k *Kernel) BacktraceAll() ([]*Backtrace, error) {
	tl, err := k.Tasks()
	if err != nil {
		return nil, err
	}
	out := make([]*Backtrace, 0, len(tl.Tasks))
	for i := range tl.Tasks {
		bt, err := k.Backtrace(&tl.Tasks[i])
		if err != nil {
			return out, err
		}
		out = append(out, bt)
	}
	return out, nil
}

// CrashTasks are the tasks a first look wants: the task that panicked, or
// in a dump with no panic (a running machine) the task current on each
// CPU, in CPU order. note says which of the two it is.
func (k *Kernel) CrashTasks() (tasks []*Task, note string, err error) {
	tl, err := k.Tasks()
	if err != nil {
		return nil, "", err
	}
	if tl.Panic != nil {
		return []*Task{tl.Panic}, "the panic task", nil
	}
	for _, t := range tl.Running {
		if t != nil {
			tasks = append(tasks, t)
		}
	}
	sort.SliceStable(tasks, func(i, j int) bool { return tasks[i].CPU < tasks[j].CPU })
	if len(tasks) == 0 {
		return nil, "", fmt.Errorf("no panic task and no task known to be running on a CPU")
	}
	return tasks, "no panic in this dump (a running machine): the task on each CPU", nil
}
