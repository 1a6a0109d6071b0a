// Package kernel presents a crashed kernel as objects: system facts, the
// printk log, tasks, backtraces, modules, linked lists, address
// identification (whatis) and memory search.
//
// It joins vmcore (memory) and dwarf (types); every structure layout comes
// from DWARF by name, never from hard-coded offsets. It must not import
// slab, report, tui or cmd.
package kernel
