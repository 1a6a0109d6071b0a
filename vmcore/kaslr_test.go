package vmcore

import (
	"debug/elf"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestDeriveKASLR hides a real dump's VMCOREINFO and derives the kernel
// offset from the page tables (root from QEMU's CR3 note), which must
// match KERNELOFFSET.
func TestDeriveKASLR(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "testdata", "dumps")
	path := filepath.Join(root, "clean", "elf")
	if _, err := os.Stat(path); err != nil {
		t.Skip("fixture clean/elf missing")
	}
	f, err := elf.Open(filepath.Join(root, "kernel", "vmlinux-6.1.0-56-cloud-amd64"))
	if err != nil {
		t.Skip(err)
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
