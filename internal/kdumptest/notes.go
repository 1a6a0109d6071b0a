package kdumptest

import "encoding/binary"

// Note encodes one ELF note.
func Note(name string, typ uint32, desc []byte) []byte {
	le := binary.LittleEndian
	nb := append([]byte(name), 0)
	out := make([]byte, 12)
	le.PutUint32(out, uint32(len(nb)))
	le.PutUint32(out[4:], uint32(len(desc)))
	le.PutUint32(out[8:], typ)
	out = append(out, pad4(nb)...)
	return append(out, pad4(desc)...)
}

func pad4(b []byte) []byte {
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// PRStatusRegs is the x86-64 user_regs_struct order inside NT_PRSTATUS.
var PRStatusRegs = []string{"R15", "R14", "R13", "R12", "RBP", "RBX", "R11", "R10", "R9", "R8",
	"RAX", "RCX", "RDX", "RSI", "RDI", "ORIG_RAX", "RIP", "CS", "EFLAGS", "RSP", "SS",
	"FS_BASE", "GS_BASE", "DS", "ES", "FS", "GS"}

// PRStatus is a "CORE" NT_PRSTATUS note for x86-64 (336-byte
// elf_prstatus: pr_pid at 32, pr_reg at 112).
func PRStatus(pid int32, regs map[string]uint64) []byte {
	d := make([]byte, 336)
	le := binary.LittleEndian
	le.PutUint32(d[32:], uint32(pid))
	for i, n := range PRStatusRegs {
		le.PutUint64(d[112+8*i:], regs[n])
	}
	return Note("CORE", 1, d)
}

// QEMUCPU is a "QEMU" CPU-state note (QEMUCPUState version 1) with the
// given RIP, RSP and control registers.
func QEMUCPU(rip, rsp uint64, cr [5]uint64) []byte {
	d := make([]byte, 440)
	le := binary.LittleEndian
	le.PutUint32(d, 1)
	le.PutUint32(d[4:], 440)
	le.PutUint64(d[8+6*8:], rsp)
	le.PutUint64(d[8+16*8:], rip)
	for i, v := range cr {
		le.PutUint64(d[392+8*i:], v)
	}
	return Note("QEMU", 0, d)
}

// VMCoreInfoNote wraps VMCOREINFO text in its ELF note.
func VMCoreInfoNote(text string) []byte { return Note("VMCOREINFO", 0, []byte(text)) }
