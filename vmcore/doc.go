// Package vmcore turns kernel crash dump files into physical memory and,
// on x86-64, kernel virtual memory.
//
// It owns the dump formats (ELF core, kdump-compressed, makedumpfile's
// flattened stream, split dumps), their notes (VMCOREINFO, NT_PRSTATUS,
// QEMU CPU state) and virtual-to-physical translation. It knows nothing of
// DWARF or kernel structures beyond what VMCOREINFO names, and it must not
// import any other kdx package. It never writes to a dump.
//
// Use:
//
//	d, err := vmcore.Open(path)            // or Open(part1, part2, ...) for a split dump
//	n, err := d.ReadPhys(buf, paddr)       // *ReadError: ErrNotInDump, ErrExcluded, ErrTruncated, ErrDecompress
//	info := d.VMCoreInfo()                 // nil when the dump has none (then see Warnings)
//	km, err := vmcore.NewKernelMemory(d, vmcore.KernelConfig{PageOffsetBaseSym: ..., TextSym: ...})
//	n, err = km.ReadAt(buf, vaddr)         // wraps *NotMappedError (ErrNotMapped) or *ReadError
//	err = d.ForEachPage(ctx, 0, fn)        // every present page, in file order, on all cores
//
// Files are mmapped; only headers, bitmaps and (flattened) the record
// index are read at Open. kdump pages are found in O(1) through prefix
// counts over the dumped bitmap and decoded on demand into a bounded,
// sharded CLOCK cache. Every size, count and offset read from a file is
// checked before it sizes an allocation or a loop; malformed files give a
// *FormatError naming the file, offset and field. A file that shrinks
// while open makes reads fail with ErrTruncated, not SIGBUS.
//
// internal/kdumptest writes the synthetic kdump, flattened and ELF inputs
// of the tests and fuzz seeds; internal/cmd/kdumpreencode uses it to
// re-encode a real kdump's pages with snappy or zstd for the fixtures.
package vmcore
