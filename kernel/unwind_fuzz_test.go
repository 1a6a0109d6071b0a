package kernel

import (
	"encoding/binary"
	"fmt"
	"testing"
)

// stackMem is a fake task stack: data at base, nothing else readable.
type stackMem struct {
	base uint64
	data []byte
}

func (m stackMem) ReadAt(p []byte, addr uint64) (int, error) {
	if addr < m.base || addr-m.base > uint64(len(m.data)) || uint64(len(p)) > uint64(len(m.data))-(addr-m.base) {
		return 0, fmt.Errorf("%#x: not in the fake stack", addr)
	}
	return copy(p, m.data[addr-m.base:]), nil
}

// FuzzUnwind runs the real kernel's ORC tables over arbitrary stack
// contents (a dump's stacks are untrusted): every unwind must end, within
// the frame bound, with a reason, and never panic.
func FuzzUnwind(f *testing.F) {
	k := openFixture(f, "clean", "elf")
	fns := []string{"vfs_write", "schedule", "kthread", "do_syscall_64", "asm_exc_page_fault", "__crash_kexec"}
	var starts []uint64
	for _, n := range fns {
		if a, ok := k.Bin.Symbol(n); ok {
			starts = append(starts, a)
		}
	}
	const base = 0xffffc90000100000
	size := k.threadSize()
	seed := make([]byte, 256)
	for i := 0; i < len(seed); i += 8 {
		binary.LittleEndian.PutUint64(seed[i:], starts[i/8%len(starts)]+0x20)
	}
	f.Add(seed, uint8(0), uint16(0x10), uint16(0x3f00), uint64(base+0x3f80))
	f.Add([]byte{}, uint8(1), uint16(0), uint16(0), uint64(0))
	f.Fuzz(func(t *testing.T, words []byte, fn uint8, ipOff, spOff uint16, bp uint64) {
		data := make([]byte, size)
		for i := 0; len(words) > 0 && i < len(data); i += len(words) {
			copy(data[i:], words) // repeat the input over the stack
		}
		task := &Task{Stack: base, PID: -1}
		u, err := k.newUnwinder(task, -1)
		if err != nil {
			t.Fatal(err)
		}
		u.mem = stackMem{base: base, data: data}
		st := unwindState{ip: starts[int(fn)%len(starts)] + uint64(ipOff%0x200), sp: base + uint64(spOff)%size,
			bp: bp, regs: Regs{}, signal: true}
		b := k.startRun(u, st)
		if len(b.Frames) == 0 || len(b.Frames) > maxFrames || b.End == "" {
			t.Fatalf("%d frames, end %q", len(b.Frames), b.End)
		}
	})
}
