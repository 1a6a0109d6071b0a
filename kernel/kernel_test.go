package kernel

import (
	"strings"
	"testing"

	"github.com/kdx-dev/kdx/internal/fixture"
)

// openFixture opens one fixture dump with the fixture vmlinux.
func openFixture(t testing.TB, scenario, format string) *Kernel {
	t.Helper()
	vmlinux := fixture.Vmlinux(t)
	path := fixture.DumpPath(t, scenario, format)
	k, err := Open([]string{path}, Options{Vmlinux: vmlinux})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() { k.Close() })
	return k
}

func TestOpenReadsRelease(t *testing.T) {
	for _, format := range []string{"elf", "elf-virt", "kdump-zlib", "kdump-c31", "proc-vmcore.elf"} {
		t.Run(format, func(t *testing.T) {
			k := openFixture(t, "clean", format)
			v, err := k.Global("init_uts_ns")
			if err != nil {
				t.Fatal(err)
			}
			rel, err := stringField(v, "name.release", 65)
			if err != nil {
				t.Fatal(err)
			}
			if rel != fixture.Release {
				t.Errorf("init_uts_ns.name.release = %q, want %q", rel, fixture.Release)
			}
		})
	}
}

func TestPerCPUCurrentTask(t *testing.T) {
	k := openFixture(t, "clean", "elf")
	// On 6.1 the running task is the per-CPU current_task (6.2+: pcpu_hot).
	v, err := k.PerCPU("current_task", 0)
	if err != nil {
		t.Fatal(err)
	}
	task, err := v.Pointer()
	if err != nil {
		t.Fatal(err)
	}
	obj, err := k.Object("struct task_struct", task, "current")
	if err != nil {
		t.Fatal(err)
	}
	comm, err := stringField(obj, "comm", 16)
	if err != nil || comm == "" {
		t.Fatalf("current on cpu0: comm %q, %v", comm, err)
	}
}

// TestKASLRWithoutVMCOREINFO: a dump whose VMCOREINFO is gone still opens,
// with the offset derived from the page tables and a warning saying so.
func TestKASLRWithoutVMCOREINFO(t *testing.T) {
	k := openFixture(t, "clean", "kdump-zlib")
	want, ok := k.Info.KernelOffset()
	if !ok {
		t.Fatal("fixture lacks KERNELOFFSET")
	}
	blind := &Kernel{Dump: k.Dump, Bin: k.Bin}
	if err := blind.setupMemory(Options{}); err != nil {
		t.Fatal(err)
	}
	if got := k.Bin.KASLROffset(); got != want {
		t.Errorf("derived KASLR offset %#x, VMCOREINFO says %#x", got, want)
	}
	if w := blind.Warnings(); len(w) == 0 || !strings.Contains(w[len(w)-1], "no KERNELOFFSET") {
		t.Errorf("no warning about the missing KERNELOFFSET: %q", w)
	}
	v, err := blind.Global("init_uts_ns")
	if err != nil {
		t.Fatal(err)
	}
	if rel, _ := stringField(v, "name.release", 65); rel != fixture.Release {
		t.Errorf("release through derived offset: %q", rel)
	}
}
