// Package dwarf reads symbols, types and typed values from a vmlinux and
// kernel modules (.ko).
//
// It owns the ELF symbol tables, the on-disk DWARF type index and the typed
// value API over any memory reader. It reads memory only through its own
// small Reader interface and must not import vmcore or any other kdx
// package.
package dwarf
