package dwarf

import (
	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// Reader reads kernel virtual memory: addr is a (KASLR-shifted, runtime)
// kernel virtual address. It is the only way this package touches memory,
// so that it never depends on how a dump is stored.
type Reader interface {
	ReadAt(p []byte, addr uint64) (int, error)
}

// TypeSource resolves a type by name. *Binary and *Module implement it;
// Value.ContainerOf takes one so that a module's own types work too.
type TypeSource interface {
	Type(name string) (godwarf.Type, error)
}

// Symbolizer names an address ("init_task+0x10"), or returns ok false. The
// printer uses it to annotate pointers; (*Binary).Symbolize is one.
type Symbolizer func(addr uint64) (name string, ok bool)

// Sym is one ELF symbol at its runtime address (KASLR offset applied for
// vmlinux, section address applied for a module).
type Sym struct {
	Name   string
	Addr   uint64
	Size   uint64
	Kind   byte   // nm-style: 'T' text, 'D' data, 'B' bss, 'R' rodata, 'A' absolute; lower case when local
	Module string // "" for vmlinux
}
