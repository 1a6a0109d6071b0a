package kernel

import (
	"fmt"

	"github.com/kdx-dev/kdx/vmcore"
)

// cpuRegsFor returns the registers a task had on its CPU at the crash, or
// nil when it was not running or the dump has no registers for that CPU.
//
// A kdump's NT_PRSTATUS notes are per CPU: the panicking CPU's hold what
// crash_setup_regs saved in __crash_kexec (or the oops's pt_regs when the
// kexec was started from oops_end), the others what the stop NMI
// interrupted. Their pr_pid names the task, which is matched when it is
// unique; QEMU's notes (a dump of a running guest) are in CPU order and
// their pr_pid is not a kernel PID.
// nmiStopped is set for a kdump CPU other than the panicking one.
func (k *Kernel) cpuRegsFor(t *Task) (cpu int, regs Regs, source string, nmiStopped bool) {
	if !t.OnCPU || t.CPU < 0 {
		return 0, nil, "", false
	}
	cpus := k.Dump.CPUs()
	c, ok := noteFor(cpus, t)
	if !ok || c.Regs["RSP"] == 0 {
		return 0, nil, "", false
	}
	regs = regsFromCPU(c.Regs)
	switch {
	case c.HasQEMU:
		return t.CPU, regs, fmt.Sprintf("QEMU CPU state of cpu %d (registers where QEMU stopped the guest for the dump)", t.CPU), false
	case t.Panic:
		return t.CPU, regs, fmt.Sprintf("NT_PRSTATUS of cpu %d: registers saved on the kexec path of the panic", t.CPU), false
	}
	return t.CPU, regs, fmt.Sprintf("NT_PRSTATUS of cpu %d: registers where the crash NMI stopped it", t.CPU), true
}

// noteFor picks the CPU note of a running task.
func noteFor(cpus []vmcore.CPUState, t *Task) (vmcore.CPUState, bool) {
	if t.CPU < len(cpus) {
		c := cpus[t.CPU]
		if c.HasQEMU || !c.HasPRStatus || c.PID == t.PID {
			return c, true
		}
	}
	var found []vmcore.CPUState
	for _, c := range cpus {
		if c.HasPRStatus && !c.HasQEMU && c.PID == t.PID {
			found = append(found, c)
		}
	}
	if len(found) == 1 {
		return found[0], true
	}
	return vmcore.CPUState{}, false
}
