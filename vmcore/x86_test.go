package vmcore_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"testing"

	"github.com/kdx-dev/kdx/internal/kdumptest"
	"github.com/kdx-dev/kdx/vmcore"
)

// Synthetic page tables in physical memory, identical for 4- and 5-level
// paging below the top table:
//
//	top   0x1000  [511] -> (5-level: P4D 0x5000 [511]) -> PUD 0x2000
//	PUD   0x2000  [510] -> PMD 0x3000;  [0] 1 GiB page -> 0x40000000
//	PMD   0x3000  [0] 2 MiB page -> 0; [8] -> PTE 0x4000;  [9] 2 MiB page -> 0x200000;  [10] empty
//	PTE   0x4000  [0] -> 0x10000 (text page); [1] -> 0x11000
//	top (4-level) or P4D (5-level) [273] -> PUD 0x7000 [0] 1 GiB page -> 0:
//	the direct map at 0xffff888000000000
const (
	textVA  = 0xffffffff81000000
	hugeVA  = 0xffffff8000000000
	smeBit  = uint64(1) << 46
	poBase  = 0xffff888000000000
	poSym   = 0xffffffff81000100 // link address of "page_offset_base"
	pteBits = 0x63               // present, rw, accessed, dirty
)

func buildTables(levels int, sme uint64) []byte {
	mem := make([]byte, 0x20000)
	put := func(table uint64, idx int, v uint64) {
		binary.LittleEndian.PutUint64(mem[table+uint64(idx)*8:], v|sme)
	}
	if levels == 5 {
		put(0x1000, 511, 0x5000|pteBits)
		put(0x5000, 511, 0x2000|pteBits)
		put(0x5000, 273, 0x7000|pteBits)
	} else {
		put(0x1000, 511, 0x2000|pteBits)
		put(0x1000, 273, 0x7000|pteBits)
	}
	put(0x7000, 0, 0|pteBits|0x80) // direct map: its first 1 GiB
	put(0x2000, 510, 0x3000|pteBits)
	put(0x2000, 0, 0x40000000|pteBits|0x80)
	put(0x3000, 0, 0|pteBits|0x80) // the image's first 2 MiB: init_top_pgt maps itself
	put(0x3000, 8, 0x4000|pteBits)
	put(0x3000, 9, 0x200000|pteBits|0x80)
	put(0x4000, 0, 0x10000|pteBits)
	put(0x4000, 1, 0x11000|pteBits)
	binary.LittleEndian.PutUint64(mem[0x10100:], poBase)
	copy(mem[0x11000:], "second text page")
	return mem
}

func x86Dump(t *testing.T, levels int, sme uint64) *vmcore.Dump {
	l5 := 0
	if levels == 5 {
		l5 = 1
	}
	info := fmt.Sprintf("OSRELEASE=x\nKERNELOFFSET=0\nSYMBOL(init_top_pgt)=ffffffff80001000\nNUMBER(phys_base)=0\nNUMBER(pgtable_l5_enabled)=%d\nNUMBER(sme_mask)=%d\n", l5, sme)
	huge := make([]byte, 4096)
	copy(huge[0x123:], "one gig page")
	big := make([]byte, 4096)
	copy(big, "two meg page")
	e := kdumptest.ELF{
		Notes: kdumptest.VMCoreInfoNote(info),
		Loads: []kdumptest.Load{
			{Paddr: 0, Data: buildTables(levels, sme)},
			{Paddr: 0x200000, Data: big, MemSz: 0x200000},
			{Paddr: 0x40000000, Data: huge, MemSz: 1 << 30},
		},
	}
	return openT(t, writeTemp(t, "elf", e.Bytes()))
}

func TestTranslate(t *testing.T) {
	for _, levels := range []int{4, 5} {
		for _, sme := range []uint64{0, smeBit} {
			t.Run(fmt.Sprintf("%d-level/sme=%v", levels, sme != 0), func(t *testing.T) {
				d := x86Dump(t, levels, sme)
				km, err := vmcore.NewKernelMemory(d, vmcore.KernelConfig{PageOffsetBaseSym: poSym})
				if err != nil {
					t.Fatal(err)
				}
				if km.PagingLevels() != levels {
					t.Fatalf("PagingLevels %d", km.PagingLevels())
				}
				checkTranslations(t, km)
				checkMappings(t, km)
			})
		}
	}
}

func checkTranslations(t *testing.T, km *vmcore.KernelMemory) {
	for _, tc := range []struct {
		va, pa uint64
		level  int // failing level, 0 = success
	}{
		{textVA + 0x100, 0x10100, 0},
		{textVA + 0x1234, 0x11234, 0},
		{textVA + 0x200000 + 0x5678, 0x205678, 0},
		{hugeVA + 0x123, 0x40000123, 0},
		{hugeVA + 0x3fffffff, 0x7fffffff, 0},
		{poBase + 0x10010, 0x10010, 0}, // direct map fast path
		{textVA + 0x400000, 0, vmcore.LevelPMD},
		{textVA + 0x2000, 0, vmcore.LevelPTE},
		{0xffffffff00000000, 0, vmcore.LevelPUD},
		{0xffffc90000000000, 0, vmcore.LevelPGD},
	} {
		pa, err := km.Translate(tc.va)
		var nm *vmcore.NotMappedError
		switch {
		case tc.level == 0 && (err != nil || pa != tc.pa):
			t.Errorf("Translate(0x%x) = 0x%x, %v; want 0x%x", tc.va, pa, err, tc.pa)
		case tc.level != 0 && (!errors.As(err, &nm) || !errors.Is(err, vmcore.ErrNotMapped)):
			t.Errorf("Translate(0x%x) = 0x%x, %v; want NotMappedError", tc.va, pa, err)
		case tc.level != 0 && nm.Level != tc.level && !(tc.level == vmcore.LevelPGD && nm.Level == vmcore.LevelP4D):
			t.Errorf("Translate(0x%x): level %d, want %d (%v)", tc.va, nm.Level, tc.level, err)
		}
	}
	buf := make([]byte, 16)
	if _, err := km.ReadAt(buf, textVA+0x1000); err != nil || string(buf) != "second text page" {
		t.Errorf("ReadAt text: %q, %v", buf, err)
	}
	if _, err := km.ReadAt(buf[:12], hugeVA+0x123); err != nil || string(buf[:12]) != "one gig page" {
		t.Errorf("ReadAt 1 GiB page: %q, %v", buf, err)
	}
	// Across the end of the mapped text: the first page reads, then stops.
	n, err := km.ReadAt(make([]byte, 0x2000), textVA+0x1000)
	if n != 0x1000 || !errors.Is(err, vmcore.ErrNotMapped) {
		t.Errorf("ReadAt across unmapped: %d, %v", n, err)
	}
	if po, ok := km.PageOffset(); !ok || po != poBase {
		t.Errorf("PageOffset = 0x%x, %v", po, ok)
	}
}

func checkMappings(t *testing.T, km *vmcore.KernelMemory) {
	var got []string
	err := km.ForEachMapping(0xffff800000000000, ^uint64(0), func(va, pa, size uint64) error {
		got = append(got, fmt.Sprintf("%x>%x/%x", va, pa, size))
		return nil
	})
	want := "[ffff888000000000>0/40000000 ffffff8000000000>40000000/40000000 ffffffff80000000>0/200000 ffffffff81000000>10000/1000 ffffffff81001000>11000/1000 ffffffff81200000>200000/200000]"
	if err != nil || fmt.Sprint(got) != want {
		t.Errorf("ForEachMapping = %v, %v\nwant %s", got, err, want)
	}
}

// TestTranslateWithoutVMCoreInfo uses CR3 from a QEMU note as the root.
func TestTranslateWithoutVMCoreInfo(t *testing.T) {
	e := kdumptest.ELF{
		Notes: kdumptest.QEMUCPU(0, 0, [5]uint64{0, 0, 0, 0x1000, 0}),
		Loads: []kdumptest.Load{{Paddr: 0, Data: buildTables(4, 0)}},
	}
	d := openT(t, writeTemp(t, "elf", e.Bytes()))
	if len(d.Warnings()) == 0 {
		t.Error("no warning about the missing VMCOREINFO")
	}
	km, err := vmcore.NewKernelMemory(d, vmcore.KernelConfig{KASLROffset: 0, HasKASLROffset: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, from, ok := km.Root(); !ok || from != "CR3 of CPU 0" {
		t.Fatalf("root from %q, %v", from, ok)
	}
	if pa, err := km.Translate(textVA + 0x1010); err != nil || pa != 0x11010 {
		t.Errorf("Translate = 0x%x, %v", pa, err)
	}
}

func kmem4(t *testing.T, d *vmcore.Dump) *vmcore.KernelMemory {
	km, err := vmcore.NewKernelMemory(d, vmcore.KernelConfig{PageOffsetBaseSym: poSym})
	if err != nil {
		t.Fatal(err)
	}
	return km
}

// TestTranslatePTIUserCR3: a CPU caught in user mode with page-table
// isolation has CR3 pointing at the user PGD (kernel PGD + 4 KiB), whose
// kernel half is empty; the kernel PGD is used instead.
func TestTranslatePTIUserCR3(t *testing.T) {
	mem := buildTables(4, 0) // kernel PGD at 0x1000; 0x2000 is its PUD, so use a PGD at 0x6000
	copy(mem[0x6000:0x7000], mem[0x1000:0x2000])
	clear(mem[0x1000:0x2000])
	e := kdumptest.ELF{
		Notes: kdumptest.QEMUCPU(0, 0, [5]uint64{0, 0, 0, 0x7000 | 0x5, 0}), // user PGD 0x7000, PCID 5
		Loads: []kdumptest.Load{{Paddr: 0, Data: mem}},
	}
	d := openT(t, writeTemp(t, "elf", e.Bytes()))
	km, err := vmcore.NewKernelMemory(d, vmcore.KernelConfig{HasKASLROffset: true})
	if err != nil {
		t.Fatal(err)
	}
	if root, _, ok := km.Root(); !ok || root != 0x6000 {
		t.Fatalf("root 0x%x, %v; want the kernel PGD 0x6000", root, ok)
	}
	if pa, err := km.Translate(textVA + 0x1010); err != nil || pa != 0x11010 {
		t.Errorf("Translate = 0x%x, %v", pa, err)
	}
}

// TestTranslateBadPhysBase: a phys_base that puts init_top_pgt on a page
// that is not the page table is rejected, and CR3 is used instead.
func TestTranslateBadPhysBase(t *testing.T) {
	e := kdumptest.ELF{
		Notes: append(kdumptest.VMCoreInfoNote("OSRELEASE=x\nKERNELOFFSET=0\nSYMBOL(init_top_pgt)=ffffffff80001000\nNUMBER(phys_base)=8192\n"),
			kdumptest.QEMUCPU(0, 0, [5]uint64{0, 0, 0, 0x1000, 0})...),
		Loads: []kdumptest.Load{{Paddr: 0, Data: buildTables(4, 0)}},
	}
	d := openT(t, writeTemp(t, "elf", e.Bytes()))
	km := kmem4(t, d)
	if root, from, ok := km.Root(); !ok || root != 0x1000 || from != "CR3 of CPU 0" {
		t.Fatalf("root 0x%x from %q; want 0x1000 from CR3", root, from)
	}
	if len(km.Warnings()) == 0 {
		t.Error("no warning about the rejected init_top_pgt")
	}
}

// TestDirectMapBaseChecked: a page_offset_base value the page tables do
// not confirm is not used for the fast path.
func TestDirectMapBaseChecked(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mapped bool
	}{{"confirmed", true}, {"unconfirmed", false}} {
		mem := buildTables(4, 0)
		if !tc.mapped {
			binary.LittleEndian.PutUint64(mem[0x1000+273*8:], 0) // unmap the direct map
		}
		e := kdumptest.ELF{
			Notes: kdumptest.VMCoreInfoNote("OSRELEASE=x\nKERNELOFFSET=0\nSYMBOL(init_top_pgt)=ffffffff80001000\nNUMBER(phys_base)=0\n"),
			Loads: []kdumptest.Load{{Paddr: 0, Data: mem}},
		}
		km := kmem4(t, openT(t, writeTemp(t, "elf", e.Bytes())))
		if _, ok := km.PageOffset(); ok != tc.mapped {
			t.Errorf("%s: PageOffset known = %v; warnings %q", tc.name, ok, km.Warnings())
		}
	}
}
