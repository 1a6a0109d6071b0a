package kernel

import (
	"encoding/binary"
	"fmt"

	"github.com/kdx-dev/kdx/dwarf"
)

// maxFrames bounds one backtrace. A 16 KiB stack holds at most 2048
// words, and real kernel stacks are far shallower; the bound is a guard
// against loops the stack checks below would miss.
const maxFrames = 512

// unwindState is the unwinder's position, as in the kernel's
// struct unwind_state: the PC, SP and BP of the current frame, and the
// registers known there (all of them at a saved CPU state or full
// pt_regs, the iret frame only at a partial one, none after a call).
type unwindState struct {
	ip, sp, bp uint64
	regs       Regs
	fullRegs   bool
	signal     bool // ip is exact, not a return address
	stack      int  // index into unwinder.stacks
	// slot is where ip was read from the stack (0 when it came from
	// registers); frames are shown at it, as crash does.
	slot uint64
}

// unwinder walks one task's stacks.
type unwinder struct {
	k      *Kernel
	mem    dwarf.Reader // the stacks' memory: k.Mem (a test may substitute)
	orc    *orcTables
	pt     *ptRegsLayout
	stacks []stackInfo
	used   uint64 // bit i: stacks[i] was left, and may not be re-entered
	viaCFI bool   // the last step used DWARF CFI (marks the next frame)
	bt     *Backtrace
}

// stackOf returns the index of the known stack holding [addr, addr+n).
func (u *unwinder) stackOf(addr, n uint64) int {
	for i, s := range u.stacks {
		if s.contains(addr, n) {
			return i
		}
	}
	return -1
}

// read reads a word that must lie on one of the task's stacks.
func (u *unwinder) read(addr uint64, what string) (uint64, error) {
	if u.stackOf(addr, 8) < 0 {
		return 0, fmt.Errorf("%s at %#x is outside the known stacks (%s)", what, addr, u.stackList())
	}
	v, err := u.word(addr)
	if err != nil {
		return 0, fmt.Errorf("%s at %#x: %w", what, addr, err)
	}
	return v, nil
}

// word reads one stack word through u.mem.
func (u *unwinder) word(addr uint64) (uint64, error) {
	var b [8]byte
	if _, err := u.mem.ReadAt(b[:], addr); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b[:]), nil
}

func (u *unwinder) stackList() string {
	s := ""
	for i, st := range u.stacks {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s %#x-%#x", st.name, st.lo, st.hi)
	}
	return s
}

// run unwinds from st, appending frames to u.bt and setting its End.
func (u *unwinder) run(st unwindState) {
	for len(u.bt.Frames) < maxFrames {
		f := u.frame(st)
		if u.viaCFI {
			f.How, u.viaCFI = "cfi", false
		}
		u.bt.Frames = append(u.bt.Frames, f)
		next, exc, done := u.step(st)
		if done {
			return
		}
		if exc != nil {
			last := &u.bt.Frames[len(u.bt.Frames)-1]
			last.Exception, last.ExceptionAddr, last.Partial = exc.regs, exc.addr, exc.partial
			if next.regs.UserMode() {
				u.bt.UserRegs = next.regs
				u.finish(fmt.Sprintf("entry from user mode (pt_regs at %#x)", exc.addr), true)
				return
			}
		}
		st = next
	}
	u.finish(fmt.Sprintf("stopped after %d frames (the limit)", maxFrames), false)
}

func (u *unwinder) finish(why string, complete bool) {
	u.bt.End, u.bt.Complete = why, complete
}

// frame describes the frame at st.
func (u *unwinder) frame(st unwindState) Frame {
	f := Frame{Index: len(u.bt.Frames), SP: st.sp, PC: st.ip, How: "orc"}
	if st.slot != 0 {
		f.SP = st.slot
	}
	if st.stack >= 0 {
		f.Stack = u.stacks[st.stack].name
	}
	u.k.describePC(&f, st.signal)
	return f
}

// excFrame is a struct pt_regs crossed while unwinding.
type excFrame struct {
	addr    uint64
	regs    Regs
	partial bool
}

// step computes the caller's state from st with the ORC entry at st.ip.
// done is set (and u.bt.End) when the unwind ends, normally or not.
func (u *unwinder) step(st unwindState) (next unwindState, exc *excFrame, done bool) {
	lookup := st.ip
	if !st.signal {
		lookup-- // a return address may be just past the call's function
	}
	if !u.k.isText(lookup) {
		u.finish(fmt.Sprintf("PC %#x is not kernel text", st.ip), false)
		return st, nil, true
	}
	e, _, ok := u.orc.find(lookup)
	switch {
	case !ok || e.kind == orcUndefined:
		return u.fallback(st, lookup)
	case e.kind == orcEnd:
		u.finish("end of stack (ORC end marker)", true)
		return st, nil, true
	}
	next, exc, err := u.apply(st, e)
	if err != nil {
		u.finish(err.Error(), false)
		return st, nil, true
	}
	if exc != nil && next.regs.UserMode() {
		return next, exc, false
	}
	if err := u.moveTo(&next, st); err != nil {
		u.finish(err.Error(), false)
		return st, nil, true
	}
	return next, exc, false
}

// fallback unwinds a frame ORC has no data for with DWARF CFI, and when
// that fails too, ends with a conservative stack scan.
func (u *unwinder) fallback(st unwindState, lookup uint64) (unwindState, *excFrame, bool) {
	next, err := u.cfiStep(st, lookup)
	if err == nil {
		err = u.moveTo(&next, st)
	}
	if err != nil {
		u.scan(st, fmt.Sprintf("no ORC data for %#x, and DWARF CFI failed: %v", st.ip, err))
		return st, nil, true
	}
	u.viaCFI = true
	return next, nil, false
}

// moveTo checks that the new SP lies on a known stack and moved up, or
// switched to a stack not yet left (IRQ or exception stack to task stack).
func (u *unwinder) moveTo(next *unwindState, prev unwindState) error {
	i := u.stackOf(next.sp, 8)
	if i < 0 {
		where := "the task stack"
		if prev.stack >= 0 {
			where = "the " + u.stacks[prev.stack].name + " stack"
		}
		return fmt.Errorf("stack pointer left %s at %#x (new SP %#x is on no known stack)", where, prev.sp, next.sp)
	}
	if i == prev.stack && next.sp <= prev.sp {
		return fmt.Errorf("stack pointer did not move up on the %s stack (%#x -> %#x): a loop or bad unwind data", u.stacks[i].name, prev.sp, next.sp)
	}
	if i != prev.stack {
		if u.used&(1<<uint(i)) != 0 {
			return fmt.Errorf("stack pointer went back to the %s stack it had left (%#x)", u.stacks[i].name, next.sp)
		}
		if prev.stack >= 0 {
			u.used |= 1 << uint(prev.stack)
		}
	}
	next.stack = i
	return nil
}
