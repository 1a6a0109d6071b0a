package kernel

import "github.com/kdx-dev/kdx/vmcore"

// Memory is kernel virtual memory as this package uses it.
// *vmcore.KernelMemory is the real one; tests wrap it to plant corruption
// (garbage pointers, cycles, broken descriptors) into a real dump without
// writing to it.
type Memory interface {
	ReadAt(p []byte, va uint64) (int, error)
	Translate(va uint64) (uint64, error)
	PageOffset() (uint64, bool)
	VmallocBase() uint64
	VmemmapBase() uint64
	ForEachMapping(lo, hi uint64, fn vmcore.MappingFunc) error
	Warnings() []string
}

var _ Memory = (*vmcore.KernelMemory)(nil)
