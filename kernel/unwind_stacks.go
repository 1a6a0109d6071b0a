package kernel

import (
	"errors"
	"fmt"
	"strings"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// stackInfo is one kernel stack the unwinder may walk: [lo, hi).
type stackInfo struct {
	name   string // "task", "IRQ", "NMI", "DF", "DB", "MCE", "VC", "VC2"
	lo, hi uint64
}

func (s stackInfo) contains(addr uint64, n uint64) bool {
	return addr >= s.lo && addr+n <= s.hi && addr+n >= addr
}

// threadSize is the size of a task's kernel stack (THREAD_SIZE). It is
// sizeof(union thread_union) when DWARF has the type; Debian's 6.1 DWARF
// does not, and there the IRQ stack's size stands in: on x86-64
// IRQ_STACK_ORDER and THREAD_SIZE_ORDER are both defined as
// 2 + KASAN_STACK_ORDER (arch/x86/include/asm/page_64_types.h).
func (k *Kernel) threadSize() uint64 {
	v, _ := k.cached("bt-thread-size", func() (any, error) {
		for _, name := range []string{"union thread_union", "struct irq_stack"} {
			if t, err := k.Type(name); err == nil && t.Size() > 0 && t.Size() <= 1<<20 {
				return uint64(t.Size()), nil
			}
		}
		return uint64(16 << 10), nil
	})
	return v.(uint64)
}

// taskStack is the kernel stack of a task whose base is task->stack.
func (k *Kernel) taskStack(base uint64) stackInfo {
	return stackInfo{name: "task", lo: base, hi: base + k.threadSize()}
}

// cpuStacks are the per-CPU stacks an interrupted or excepted CPU may be
// on: the hard IRQ stack (hardirq_stack_ptr points at its top word, 8
// bytes below the end) and the IST exception stacks of the CPU entry area.
// Stacks that cannot be found are left out, with the reason returned.
func (k *Kernel) cpuStacks(cpu int) ([]stackInfo, []string) {
	var out []stackInfo
	var probs []string
	if s, err := k.irqStack(cpu); err == nil {
		out = append(out, s)
	} else {
		probs = append(probs, err.Error())
	}
	ex, err := k.exceptionStacks(cpu)
	if err != nil {
		probs = append(probs, err.Error())
	}
	out = append(out, ex...)
	if s, err := k.entryStack(cpu); err == nil {
		out = append(out, s)
	} else {
		probs = append(probs, err.Error())
	}
	return out, probs
}

// entryStack is the CPU's entry (trampoline) stack, where the system call
// and interrupt entry code runs for a few instructions before switching to
// the task stack; a CPU stopped there by QEMU starts on it. It lies in the
// CPU's struct cpu_entry_area, found back from the per-CPU pointer to its
// estacks member.
func (k *Kernel) entryStack(cpu int) (stackInfo, error) {
	v, err := k.PerCPU("cea_exception_stacks", cpu)
	if err != nil {
		return stackInfo{}, err
	}
	est, err := v.Pointer()
	if err != nil {
		return stackInfo{}, err
	}
	estOff, err1 := k.Bin.FieldOffset("struct cpu_entry_area", "estacks")
	stOff, err2 := k.Bin.FieldOffset("struct cpu_entry_area", "entry_stack_page")
	size, err3 := k.Bin.Sizeof("struct entry_stack_page")
	if err := errors.Join(err1, err2, err3); err != nil || size <= 0 || est < estOff {
		return stackInfo{}, fmt.Errorf("entry stack of cpu %d: %v", cpu, err)
	}
	lo := est - estOff + stOff
	return stackInfo{name: "entry", lo: lo, hi: lo + uint64(size)}, nil
}

func (k *Kernel) irqStack(cpu int) (stackInfo, error) {
	v, err := k.PerCPU("hardirq_stack_ptr", cpu)
	if err != nil {
		return stackInfo{}, fmt.Errorf("IRQ stack of cpu %d: %w", cpu, err)
	}
	top, err := v.Pointer()
	if err != nil || top == 0 {
		return stackInfo{}, fmt.Errorf("IRQ stack of cpu %d: hardirq_stack_ptr = %#x: %v", cpu, top, err)
	}
	size := uint64(16 << 10)
	if t, err := k.Type("struct irq_stack"); err == nil && t.Size() > 0 {
		size = uint64(t.Size())
	}
	end := top + 8
	return stackInfo{name: "IRQ", lo: end - size, hi: end}, nil
}

// exceptionStacks reads the per-CPU pointer cea_exception_stacks and
// takes every "<NAME>_stack" member of struct cea_exception_stacks (the
// guards are skipped).
func (k *Kernel) exceptionStacks(cpu int) ([]stackInfo, error) {
	v, err := k.PerCPU("cea_exception_stacks", cpu)
	if err != nil {
		return nil, fmt.Errorf("exception stacks of cpu %d: %w", cpu, err)
	}
	base, err := v.Pointer()
	if err != nil || base == 0 {
		return nil, fmt.Errorf("exception stacks of cpu %d: cea_exception_stacks = %#x: %v", cpu, base, err)
	}
	t, err := k.Type("struct cea_exception_stacks")
	if err != nil {
		return nil, err
	}
	st, ok := godwarf.ResolveTypedef(t).(*godwarf.StructType)
	if !ok {
		return nil, fmt.Errorf("struct cea_exception_stacks is not a struct")
	}
	var out []stackInfo
	for _, f := range st.Field {
		name, ok := strings.CutSuffix(f.Name, "_stack")
		if !ok || f.Type.Size() <= 0 {
			continue
		}
		lo := base + uint64(f.ByteOffset)
		s := stackInfo{name: name, lo: lo, hi: lo + uint64(f.Type.Size())}
		// The cpu_entry_area maps a stack only when it is in use: the
		// VC stacks exist only under SEV-ES.
		if _, err := k.ReadU64(s.hi - 8); err != nil {
			continue
		}
		out = append(out, s)
	}
	return out, nil
}
