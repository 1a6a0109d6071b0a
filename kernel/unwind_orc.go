package kernel

import (
	"fmt"
)

// apply computes the caller's state from one ORC entry, following the
// kernel's unwind_next_frame (arch/x86/kernel/unwind_orc.c): find the
// previous frame's SP from sp_reg/sp_offset, then its PC (a return
// address below that SP for a call frame, the saved ip of a pt_regs for
// an exception frame), then its BP.
func (u *unwinder) apply(st unwindState, e orcEntry) (unwindState, *excFrame, error) {
	sp, err := u.prevSP(st, e)
	if err != nil {
		return st, nil, err
	}
	next := unwindState{sp: sp, stack: st.stack}
	var exc *excFrame
	switch e.kind {
	case orcCall:
		ip, err := u.read(sp-8, "return address")
		if err != nil {
			return st, nil, err
		}
		next.ip, next.slot = ip, sp-8
	case orcRegs, orcRegsPartial:
		exc, err = u.readPtRegs(sp, e.kind == orcRegsPartial)
		if err != nil {
			return st, nil, err
		}
		next.ip, next.sp = exc.regs["ip"], exc.regs["sp"]
		next.regs, next.fullRegs, next.signal = exc.regs, !exc.partial, true
	default:
		return st, nil, fmt.Errorf("ORC entry of unknown type %v at %#x", e.kind, st.ip)
	}
	if next.regs.UserMode() {
		return next, exc, nil
	}
	bp, err := u.prevBP(st, e, sp, next)
	if err != nil {
		return st, nil, err
	}
	next.bp = bp
	if e.signal {
		next.signal = true
	}
	return next, exc, nil
}

// prevSP is the caller's stack pointer (the CFA: just above the return
// address for a call frame, the pt_regs address for an exception frame).
func (u *unwinder) prevSP(st unwindState, e orcEntry) (uint64, error) {
	off := uint64(int64(e.spOffset))
	switch e.spReg {
	case orcRegSP:
		return st.sp + off, nil
	case orcRegBP:
		return st.bp + off, nil
	case orcRegSPIndirect:
		v, err := u.read(st.sp, "indirect SP")
		return v + off, err
	case orcRegBPIndirect:
		return u.read(st.bp+off, "indirect SP via BP")
	case orcRegDX, orcRegDI, orcRegR10, orcRegR13:
		name := map[uint8]string{orcRegDX: "dx", orcRegDI: "di", orcRegR10: "r10", orcRegR13: "r13"}[e.spReg]
		v, ok := st.regs[name]
		if !ok || (!st.fullRegs && name != "sp") {
			return 0, fmt.Errorf("ORC at %#x takes SP from %s, which is not known in this frame", st.ip, name)
		}
		return v + off, nil
	}
	return 0, fmt.Errorf("ORC at %#x: unknown SP register %d", st.ip, e.spReg)
}

// prevBP is the caller's frame pointer register.
func (u *unwinder) prevBP(st unwindState, e orcEntry, sp uint64, next unwindState) (uint64, error) {
	off := uint64(int64(e.bpOffset))
	switch e.bpReg {
	case orcRegUndefined:
		if next.regs != nil && next.fullRegs {
			return next.regs["bp"], nil
		}
		return st.bp, nil
	case orcRegPrevSP:
		return u.read(sp+off, "saved BP")
	case orcRegBP:
		return u.read(st.bp+off, "saved BP")
	}
	return 0, fmt.Errorf("ORC at %#x: unknown BP register %d", st.ip, e.bpReg)
}

// readPtRegs reads the struct pt_regs at addr, or for a partial frame
// only the hardware iret frame, which then sits at addr (pt_regs starts
// ipOff bytes lower).
func (u *unwinder) readPtRegs(addr uint64, partial bool) (*excFrame, error) {
	from := 0
	base := addr
	if partial {
		from = u.pt.ipOff
		base = addr - uint64(from)
	}
	n := uint64(u.pt.size - from)
	if u.stackOf(addr, n) < 0 {
		return nil, fmt.Errorf("pt_regs at %#x (%d bytes) is outside the known stacks (%s)", base, n, u.stackList())
	}
	b := make([]byte, n)
	_, err := u.mem.ReadAt(b, addr)
	if err != nil {
		return nil, fmt.Errorf("pt_regs at %#x: %w", base, err)
	}
	return &excFrame{addr: base, regs: u.pt.decode(b, from), partial: partial}, nil
}

// isText reports whether pc is in vmlinux's text ([_stext, _etext) or
// the init text) or in a module's text.
func (k *Kernel) isText(pc uint64) bool {
	if inTextRanges(k.vmlinuxText(), pc) {
		return true
	}
	mods, _ := k.btModules()
	for i := range mods {
		if mods[i].contains(pc) {
			return true
		}
	}
	return false
}

// vmlinuxText is vmlinux's text ranges at run time.
func (k *Kernel) vmlinuxText() [][2]uint64 {
	v, _ := k.cached("vmlinux-text", func() (any, error) {
		var out [][2]uint64
		for _, p := range [][2]string{{"_stext", "_etext"}, {"_sinittext", "_einittext"}} {
			lo, ok1 := k.Bin.Symbol(p[0])
			hi, ok2 := k.Bin.Symbol(p[1])
			if ok1 && ok2 && lo < hi {
				out = append(out, [2]uint64{lo, hi})
			}
		}
		return out, nil
	})
	return v.([][2]uint64)
}
