package vmcore

import (
	"debug/elf"
	"testing"

	"github.com/kdx-dev/kdx/internal/fixture"
)

// TestDeriveKASLR hides a real dump's VMCOREINFO and derives the kernel
// offset from the page tables (root from QEMU's CR3 note), which must
// match KERNELOFFSET.
func TestDeriveKASLR(t *testing.T) {
	path := fixture.DumpPath(t, "clean", "elf")
	f, err := elf.Open(fixture.Vmlinux(t))
	if err != nil {
		t.Fatal(err)
	}
	syms, _ := f.Symbols()
	f.Close()
	var text uint64
	for _, s := range syms {
		if s.Name == "_text" {
			text = s.Value
		}
	}
	d, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	want, ok := d.VMCoreInfo().KernelOffset()
	if !ok {
		t.Fatal("no KERNELOFFSET to compare with")
	}
	d.info = nil
	km, err := NewKernelMemory(d, KernelConfig{TextSym: text})
	if err != nil {
		t.Fatal(err)
	}
	if km.KASLROffset() != want || km.KASLRSource() != "derived" {
		t.Errorf("derived offset 0x%x (%s), KERNELOFFSET 0x%x; warnings %q", km.KASLROffset(), km.KASLRSource(), want, km.Warnings())
	}
	if _, from, _ := km.Root(); from != "CR3 of CPU 0" {
		t.Errorf("root from %q", from)
	}
}
