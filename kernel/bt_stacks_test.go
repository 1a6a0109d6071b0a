package kernel

import "testing"

// Every CPU's IRQ stack and IST exception stacks are found and readable
// (the NMI stack is where a kdump's stopped CPUs ran crash_nmi_callback).
func TestCPUStacks(t *testing.T) {
	for _, format := range []string{"elf", "kdump-c31"} {
		t.Run(format, func(t *testing.T) {
			k := openFixture(t, "clean", format)
			ncpu := len(k.Dump.CPUs())
			if ncpu == 0 {
				t.Fatal("no CPUs in the dump")
			}
			for cpu := 0; cpu < ncpu; cpu++ {
				stacks, probs := k.cpuStacks(cpu)
				if len(probs) > 0 {
					t.Errorf("cpu %d: %v", cpu, probs)
				}
				names := map[string]stackInfo{}
				for _, s := range stacks {
					names[s.name] = s
					if _, err := k.ReadU64(s.hi - 8); err != nil {
						t.Errorf("cpu %d %s stack %#x-%#x: top unreadable: %v", cpu, s.name, s.lo, s.hi, err)
					}
				}
				if s := names["IRQ"]; s.hi-s.lo != k.threadSize() {
					t.Errorf("cpu %d IRQ stack %#x-%#x, want %d bytes", cpu, s.lo, s.hi, k.threadSize())
				}
				if s, ok := names["NMI"]; !ok || s.hi-s.lo < 4096 {
					t.Errorf("cpu %d: NMI stack %+v", cpu, s)
				}
			}
		})
	}
}
