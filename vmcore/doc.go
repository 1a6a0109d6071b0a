// Package vmcore turns kernel crash dump files into physical memory and,
// on x86-64, kernel virtual memory.
//
// It owns the dump formats (ELF core, kdump-compressed, makedumpfile's
// flattened stream, split dumps), their notes (VMCOREINFO, NT_PRSTATUS,
// QEMU CPU state) and virtual-to-physical translation. It knows nothing of
// DWARF or kernel structures beyond what VMCOREINFO names, and it must not
// import any other kdx package. It never writes to a dump.
package vmcore
