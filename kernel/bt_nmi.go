package kernel

import "fmt"

// nmiHandler is where a kdump's other CPUs stop: the crash NMI runs
// crash_nmi_callback, which saves the interrupted registers into the
// CPU's NT_PRSTATUS note and halts there, on the NMI stack.
const nmiHandler = "crash_nmi_callback"

// nmiBacktrace shows a kdump's stopped CPU as it really was: inside the
// NMI handler on the NMI stack, above the interrupted state of its note.
// The note holds only the interrupted registers, so the handler's frames
// are found by looking on the CPU's NMI stack for a return address into
// crash_nmi_callback (crash does the same) and unwinding from it with
// ORC. The result is used only when that unwind crosses a pt_regs equal
// to the note's registers, which proves the chain; otherwise nil.
func (k *Kernel) nmiBacktrace(t *Task, regs Regs, cpu int, source string) *Backtrace {
	u, err := k.newUnwinder(t, cpu)
	if err != nil {
		return nil
	}
	nmi := -1
	for i, s := range u.stacks {
		if s.name == "NMI" {
			nmi = i
		}
	}
	if nmi < 0 {
		return nil
	}
	s := u.stacks[nmi]
	for a := s.lo; a+8 <= s.hi; a += 8 {
		v, err := u.word(a)
		if err != nil || !k.isText(v) {
			continue
		}
		if name, _, _, ok := k.symbolFor(v - 1); !ok || name != nmiHandler {
			continue
		}
		b := k.tryNMISeed(t, regs, cpu, source, v, a, nmi)
		if b != nil {
			return b
		}
	}
	return nil
}

// tryNMISeed unwinds from a return address at slot on the NMI stack and
// accepts the result if it reaches the note's interrupted registers.
func (k *Kernel) tryNMISeed(t *Task, regs Regs, cpu int, source string, ip, slot uint64, nmi int) *Backtrace {
	u, err := k.newUnwinder(t, cpu)
	if err != nil {
		return nil
	}
	u.bt.Source = source + fmt.Sprintf("; the NMI handler's frames unwound from %s's return address at %#x", nmiHandler, slot)
	u.bt.StartRegs = regs
	u.run(unwindState{ip: ip, sp: slot + 8, slot: slot, stack: nmi})
	for i, f := range u.bt.Frames {
		if f.Exception == nil {
			continue
		}
		if f.Exception["ip"] != regs["ip"] || f.Exception["sp"] != regs["sp"] {
			return nil
		}
		if i+1 < len(u.bt.Frames) || f.Exception.UserMode() {
			return u.bt
		}
		return nil
	}
	return nil
}
