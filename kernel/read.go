package kernel

import (
	"encoding/binary"
	"fmt"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
	"github.com/kdx-dev/kdx/dwarf"
)

// Global is the kernel (or loaded module) global variable name as a typed
// value in the dump's memory.
func (k *Kernel) Global(name string) (dwarf.Value, error) {
	return k.Bin.Global(name, k.Mem)
}

// Object is the object of type typeName ("struct task_struct") at addr;
// path names it in errors.
func (k *Kernel) Object(typeName string, addr uint64, path string) (dwarf.Value, error) {
	return k.Bin.Object(typeName, addr, k.Mem, path)
}

// Type resolves a type by name in vmlinux, then in loaded modules.
func (k *Kernel) Type(name string) (godwarf.Type, error) { return k.Bin.Type(name) }

// HasField probes a version difference: does typeName have field?
func (k *Kernel) HasField(typeName, field string) bool { return k.Bin.HasField(typeName, field) }

// ReadU64 reads one little-endian 64-bit word of kernel virtual memory.
func (k *Kernel) ReadU64(addr uint64) (uint64, error) {
	var b [8]byte
	if _, err := k.Mem.ReadAt(b[:], addr); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b[:]), nil
}

// ReadBytes reads n bytes of kernel virtual memory at addr.
func (k *Kernel) ReadBytes(addr uint64, n int) ([]byte, error) {
	if n < 0 || n > 1<<30 {
		return nil, fmt.Errorf("read %d bytes at %#x: size out of range", n, addr)
	}
	b := make([]byte, n)
	if _, err := k.Mem.ReadAt(b, addr); err != nil {
		return nil, err
	}
	return b, nil
}

// PerCPU is the per-CPU variable name on cpu: its link-time address is an
// offset into the per-CPU area, to which __per_cpu_offset[cpu] is added.
func (k *Kernel) PerCPU(name string, cpu int) (dwarf.Value, error) {
	off, t, err := k.Bin.Variable(name)
	if err != nil {
		return dwarf.Value{}, err
	}
	base, err := k.perCPUOffset(cpu)
	if err != nil {
		return dwarf.Value{}, fmt.Errorf("per-cpu %s on cpu %d: %w", name, cpu, err)
	}
	return dwarf.NewValue(t, off+base, k.Mem, fmt.Sprintf("per_cpu(%s, %d)", name, cpu)), nil
}

func (k *Kernel) perCPUOffset(cpu int) (uint64, error) {
	arr, err := k.Global("__per_cpu_offset")
	if err != nil {
		return 0, err
	}
	n, err := arr.Len()
	if err != nil {
		return 0, err
	}
	if cpu < 0 || cpu >= n {
		return 0, fmt.Errorf("cpu %d out of range [0,%d)", cpu, n)
	}
	e, err := arr.Index(cpu)
	if err != nil {
		return 0, err
	}
	return e.Uint()
}

// uintField reads an integer field of v ("a.b"), for the many places that
// need just one number.
func uintField(v dwarf.Value, path string) (uint64, error) {
	f, err := v.Field(path)
	if err != nil {
		return 0, err
	}
	return f.Uint()
}

// ptrField reads a pointer field of v.
func ptrField(v dwarf.Value, path string) (uint64, error) {
	f, err := v.Field(path)
	if err != nil {
		return 0, err
	}
	return f.Pointer()
}

// stringField reads a char array or char* field of v as text.
func stringField(v dwarf.Value, path string, max int) (string, error) {
	f, err := v.Field(path)
	if err != nil {
		return "", err
	}
	return f.CString(max)
}
