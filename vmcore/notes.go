package vmcore

import (
	"encoding/binary"
	"fmt"
)

// CPUState is one CPU's registers at the crash.
type CPUState struct {
	CPU int // index in note order
	// PID is pr_pid of NT_PRSTATUS: in a kernel-written dump (/proc/vmcore,
	// makedumpfile) the task running on that CPU; in a QEMU dump
	// (HasQEMU) QEMU's vCPU number plus one, not a kernel PID.
	PID  int
	Regs map[string]uint64 // "RIP", "RSP", "RBP", ..., "CS", "SS", "EFLAGS", "FS_BASE"; from QEMU notes also "CR0".."CR4", "KERNEL_GS_BASE"
	// HasPRStatus and HasQEMU say which notes contributed.
	HasPRStatus, HasQEMU bool
}

// Reg returns one register by name.
func (c CPUState) Reg(name string) (uint64, bool) {
	v, ok := c.Regs[name]
	return v, ok
}

// x86-64 elf_prstatus: pr_pid at 32, pr_reg (struct user_regs_struct) at
// 112, 27 registers in this order (the ELF core ABI, not a kernel layout).
const (
	prPid = 32
	prReg = 112
)

var prRegNames = [...]string{"R15", "R14", "R13", "R12", "RBP", "RBX", "R11", "R10", "R9", "R8",
	"RAX", "RCX", "RDX", "RSI", "RDI", "ORIG_RAX", "RIP", "CS", "EFLAGS", "RSP", "SS",
	"FS_BASE", "GS_BASE", "DS", "ES", "FS", "GS"}

// QEMU's QEMUCPUState (target/i386/arch_dump.c): version, size, 16 GPRs,
// rip, rflags, 10 segments of 24 bytes, cr[5], kernel_gs_base.
var qemuGPR = [...]string{"RAX", "RBX", "RCX", "RDX", "RSI", "RDI", "RSP", "RBP",
	"R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15", "RIP", "EFLAGS"}

const (
	qemuSegs    = 8 + 18*8
	qemuCR      = qemuSegs + 10*24
	qemuGSKBase = qemuCR + 5*8
	qemuMinSize = qemuGSKBase
	ntPRStatus  = 1
	maxNotes    = 1 << 14
)

var qemuSegNames = [...]string{"CS", "DS", "ES", "FS", "GS", "SS"}

// parseNotes walks an ELF note area (from PT_NOTE or the kdump sub-header).
func (d *Dump) parseNotes(b []byte, file string) {
	var prs, qemu [][]byte
	var info []byte
	err := walkNotes(b, func(name string, typ uint32, desc []byte) {
		switch {
		case name == "CORE" && typ == ntPRStatus:
			prs = append(prs, desc)
		case name == "QEMU":
			qemu = append(qemu, desc)
		case name == "VMCOREINFO":
			info = desc
		}
	})
	if err != nil {
		d.warn("%s: notes: %v", file, err)
	}
	if d.info == nil && info != nil {
		d.info = ParseVMCoreInfo(info)
	}
	d.cpus = mergeCPUs(prs, qemu, func(f string, a ...any) { d.warn(file+": "+f, a...) })
}

// walkNotes calls fn for each note; it stops at the first malformed one.
func walkNotes(b []byte, fn func(name string, typ uint32, desc []byte)) error {
	le := binary.LittleEndian
	off := 0
	for n := 0; off+12 <= len(b); n++ {
		if n >= maxNotes {
			return fmt.Errorf("more than %d notes", maxNotes)
		}
		nsz, dsz, typ := uint64(le.Uint32(b[off:])), uint64(le.Uint32(b[off+4:])), le.Uint32(b[off+8:])
		if nsz == 0 && dsz == 0 && typ == 0 {
			return nil // padding at the end of the area
		}
		nameOff := uint64(off) + 12
		descOff := nameOff + align4(nsz)
		end := descOff + align4(dsz)
		if descOff+dsz > uint64(len(b)) {
			return fmt.Errorf("note at offset 0x%x: name size %d, desc size %d overrun the %d-byte area", off, nsz, dsz, len(b))
		}
		name := cstring(b[nameOff : nameOff+nsz])
		fn(name, typ, b[descOff:descOff+dsz])
		if end > uint64(len(b)) {
			return nil
		}
		off = int(end)
	}
	return nil
}

func align4(n uint64) uint64 { return (n + 3) &^ 3 }

func mergeCPUs(prs, qemu [][]byte, warn func(string, ...any)) []CPUState {
	n := max(len(prs), len(qemu))
	if len(prs) > 0 && len(qemu) > 0 && len(prs) != len(qemu) {
		warn("%d NT_PRSTATUS notes but %d QEMU CPU notes", len(prs), len(qemu))
	}
	out := make([]CPUState, n)
	for i := range out {
		c := &out[i]
		c.CPU, c.Regs = i, make(map[string]uint64, 40)
		if i < len(qemu) {
			c.HasQEMU = parseQEMUCPU(qemu[i], c.Regs)
		}
		if i < len(prs) {
			c.HasPRStatus = parsePRStatus(prs[i], c)
		}
	}
	return out
}

func parsePRStatus(b []byte, c *CPUState) bool {
	if len(b) < prReg+len(prRegNames)*8 {
		return false
	}
	le := binary.LittleEndian
	c.PID = int(int32(le.Uint32(b[prPid:])))
	for i, name := range prRegNames {
		c.Regs[name] = le.Uint64(b[prReg+8*i:])
	}
	return true
}

func parseQEMUCPU(b []byte, regs map[string]uint64) bool {
	if len(b) < qemuMinSize {
		return false
	}
	le := binary.LittleEndian
	for i, name := range qemuGPR {
		regs[name] = le.Uint64(b[8+8*i:])
	}
	for i, name := range qemuSegNames {
		regs[name] = uint64(le.Uint32(b[qemuSegs+24*i:]))
		regs[name+"_BASE"] = le.Uint64(b[qemuSegs+24*i+16:])
	}
	for i := 0; i < 5; i++ {
		regs[fmt.Sprintf("CR%d", i)] = le.Uint64(b[qemuCR+8*i:])
	}
	if len(b) >= qemuGSKBase+8 {
		regs["KERNEL_GS_BASE"] = le.Uint64(b[qemuGSKBase:])
	}
	return true
}
