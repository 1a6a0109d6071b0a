package kernel

import (
	"debug/elf"
	"encoding/binary"
	"fmt"
	"sort"

	"github.com/go-delve/delve/pkg/dwarf/frame"
)

// x86-64 DWARF register numbers (System V psABI, figure 3.36).
const (
	dwRBP = 6
	dwRSP = 7
	dwRA  = 16
)

// dwarfRegName maps the psABI numbers of the general registers to pt_regs
// names, for CFA rules based on a register other than RSP/RBP.
var dwarfRegName = map[uint64]string{0: "ax", 1: "dx", 2: "cx", 3: "bx", 4: "si", 5: "di",
	8: "r8", 9: "r9", 10: "r10", 11: "r11", 12: "r12", 13: "r13", 14: "r14", 15: "r15"}

// cfi is vmlinux's .debug_frame, parsed once on first need. It covers
// code objtool left without ORC (kernel/kexec_core.o, whose
// crash_setup_regs inline asm is where a kdump's panic registers point).
func (k *Kernel) cfi() (frame.FrameDescriptionEntries, error) {
	v, err := k.cached("debug_frame", func() (any, error) { return k.loadCFI() })
	if err != nil {
		return nil, err
	}
	return v.(frame.FrameDescriptionEntries), nil
}

func (k *Kernel) loadCFI() (fdes frame.FrameDescriptionEntries, err error) {
	f, err := elf.Open(k.Bin.Path())
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s := f.Section(".debug_frame")
	if s == nil {
		return nil, fmt.Errorf("%s has no .debug_frame", k.Bin.Path())
	}
	data, err := readSection(s, 256<<20)
	if err != nil {
		return nil, err
	}
	defer func() { // the parser trusts its input; a corrupt file must not crash us
		if r := recover(); r != nil {
			fdes, err = nil, fmt.Errorf("%s: .debug_frame: %v", k.Bin.Path(), r)
		}
	}()
	fdes, err = frame.Parse(data, binary.LittleEndian, k.Bin.KASLROffset(), 8, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: .debug_frame: %w", k.Bin.Path(), err)
	}
	sort.SliceStable(fdes, func(i, j int) bool { return fdes[i].Begin() < fdes[j].Begin() })
	return fdes, nil
}

// cfiStep unwinds one call frame with DWARF CFI, where ORC has nothing.
func (u *unwinder) cfiStep(st unwindState, lookup uint64) (unwindState, error) {
	fdes, err := u.k.cfi()
	if err != nil {
		return st, err
	}
	fde, err := fdes.FDEForPC(lookup)
	if err != nil {
		return st, err
	}
	fc, err := establish(fde, lookup)
	if err != nil {
		return st, err
	}
	cfa, err := u.cfaOf(st, fc)
	if err != nil {
		return st, err
	}
	next := unwindState{sp: cfa, bp: st.bp, stack: st.stack}
	ra, ok := fc.Regs[fc.RetAddrReg]
	if !ok || ra.Rule != frame.RuleOffset {
		return st, fmt.Errorf("DWARF CFI at %#x: no saved return address", lookup)
	}
	next.slot = uint64(int64(cfa) + ra.Offset)
	if next.ip, err = u.read(next.slot, "return address (CFI)"); err != nil {
		return st, err
	}
	if r, ok := fc.Regs[dwRBP]; ok && r.Rule == frame.RuleOffset {
		if next.bp, err = u.read(uint64(int64(cfa)+r.Offset), "saved BP (CFI)"); err != nil {
			return st, err
		}
	}
	return next, nil
}

func establish(fde *frame.FrameDescriptionEntry, pc uint64) (fc *frame.FrameContext, err error) {
	defer func() {
		if r := recover(); r != nil {
			fc, err = nil, fmt.Errorf("DWARF CFI at %#x: %v", pc, r)
		}
	}()
	return fde.EstablishFrame(pc)
}

// cfaOf evaluates the CFA rule (register + offset only; expressions are
// not used by kernel C code).
func (u *unwinder) cfaOf(st unwindState, fc *frame.FrameContext) (uint64, error) {
	if fc.CFA.Rule != frame.RuleCFA {
		return 0, fmt.Errorf("DWARF CFI at %#x: unsupported CFA rule %d", st.ip, fc.CFA.Rule)
	}
	var base uint64
	switch fc.CFA.Reg {
	case dwRSP:
		base = st.sp
	case dwRBP:
		base = st.bp
	default:
		v, ok := st.regs[dwarfRegName[fc.CFA.Reg]]
		if !ok || !st.fullRegs {
			return 0, fmt.Errorf("DWARF CFI at %#x: CFA from register %d, not known here", st.ip, fc.CFA.Reg)
		}
		base = v
	}
	return uint64(int64(base) + fc.CFA.Offset), nil
}
