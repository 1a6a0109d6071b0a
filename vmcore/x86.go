package vmcore

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// KernelConfig is what the caller knows about the kernel that the dump may
// not say. Addresses of variables are link-time vmlinux addresses (from
// its symbol table); NewKernelMemory adds the KASLR offset.
type KernelConfig struct {
	// KASLROffset is used when VMCOREINFO has no KERNELOFFSET
	// (--kaslr-offset); HasKASLROffset says it was given.
	KASLROffset    uint64
	HasKASLROffset bool
	// PhysBase overrides phys_base when HasPhysBase.
	PhysBase    uint64
	HasPhysBase bool
	// Link-time addresses of the kernel variables page_offset_base,
	// vmalloc_base and vmemmap_base (0: unknown). page_offset_base enables
	// the direct-map fast path; the others are only reported.
	PageOffsetBaseSym, VmallocBaseSym, VmemmapBaseSym uint64
	// InitTopPgtSym is init_top_pgt's link-time address, used when
	// VMCOREINFO lacks SYMBOL(init_top_pgt).
	InitTopPgtSym uint64
	// TextSym is _text's link-time address. With no KERNELOFFSET and no
	// KASLROffset, the offset is derived as the first mapped address of
	// the kernel image mapping minus TextSym (the kernel unmaps what lies
	// below _text there).
	TextSym uint64
	// PagingLevels forces 4 or 5; 0 takes NUMBER(pgtable_l5_enabled) or
	// CR4.LA57 from QEMU notes, else 4.
	PagingLevels int
}

// Memory is kernel virtual memory as the layers above see it.
type Memory interface {
	ReadAt(p []byte, vaddr uint64) (int, error)
}

// KernelMemory reads x86-64 kernel virtual addresses of a dump: the
// direct map by subtraction (when page_offset_base is known), everything
// else by walking the kernel page tables from init_top_pgt (or CR3 from
// QEMU's notes), 4- or 5-level, with 2 MiB and 1 GiB pages and the SME
// mask; translations are cached. Safe for concurrent use.
type KernelMemory struct {
	d          *Dump
	kaslr      uint64
	kaslrFrom  string
	physBase   uint64
	hasPB      bool
	root       uint64
	hasRoot    bool
	rootFrom   string
	levels     int
	sme        uint64
	pageOffset uint64
	hasPO      bool
	maxPhys    uint64
	vmalloc    uint64
	vmemmap    uint64
	virt       []virtSeg
	tlb        *tlb
	warnings   []string
}

const (
	ptePresent = 1
	ptePS      = 0x80
	ptePFNMask = 0x000ffffffffff000
	tableSize  = 512
)

// NewKernelMemory prepares translation for d. It fails only when no
// translation at all is possible (no page-table root and no way to place
// the kernel image).
func NewKernelMemory(d *Dump, cfg KernelConfig) (*KernelMemory, error) {
	m := &KernelMemory{d: d, tlb: newTLB(), virt: d.elfVirt}
	info := d.VMCoreInfo()
	m.setKASLR(info, cfg)
	m.setPhysBase(info, cfg)
	if info != nil {
		if n, ok := info.Number("sme_mask"); ok {
			m.sme = uint64(n)
		}
	}
	m.setLevels(info, cfg)
	m.setRoot(info, cfg)
	if m.kaslrFrom == "" {
		m.deriveKASLR(cfg.TextSym)
	}
	if !m.hasRoot && !m.hasPB && len(m.virt) == 0 {
		return nil, errors.New("vmcore: no kernel page-table root (no VMCOREINFO SYMBOL(init_top_pgt), no CR3 note) and no phys_base: cannot translate kernel addresses")
	}
	for _, r := range d.PresentRanges() {
		m.maxPhys = max(m.maxPhys, r.End)
	}
	m.pageOffset, m.hasPO = m.readBase(cfg.PageOffsetBaseSym, "page_offset_base")
	if m.hasPO && m.hasRoot && !m.directMapAgrees() {
		m.warn("page_offset_base 0x%x disagrees with the page tables: direct-map fast path off", m.pageOffset)
		m.hasPO = false
	}
	m.vmalloc, _ = m.readBase(cfg.VmallocBaseSym, "vmalloc_base")
	m.vmemmap, _ = m.readBase(cfg.VmemmapBaseSym, "vmemmap_base")
	return m, nil
}

func (m *KernelMemory) warn(format string, args ...any) {
	m.warnings = append(m.warnings, fmt.Sprintf(format, args...))
}

func (m *KernelMemory) setKASLR(info *VMCoreInfo, cfg KernelConfig) {
	if info != nil {
		if off, ok := info.KernelOffset(); ok {
			m.kaslr, m.kaslrFrom = off, "VMCOREINFO"
			if cfg.HasKASLROffset && cfg.KASLROffset != off {
				m.warn("--kaslr-offset 0x%x ignored: VMCOREINFO says KERNELOFFSET=0x%x", cfg.KASLROffset, off)
			}
			return
		}
	}
	if cfg.HasKASLROffset {
		m.kaslr, m.kaslrFrom = cfg.KASLROffset, "given"
	}
}

// deriveKASLR finds _text's runtime address as the first mapping of the
// kernel image region.
func (m *KernelMemory) deriveKASLR(textSym uint64) {
	if textSym == 0 || !m.hasRoot {
		m.warn("kernel offset unknown (no VMCOREINFO KERNELOFFSET, no --kaslr-offset): assuming 0")
		return
	}
	var first uint64
	found := errors.New("found")
	if err := m.ForEachMapping(kernelMapBase, modulesBase, func(va, _, _ uint64) error {
		first = va
		return found
	}); err != found || first < textSym {
		m.warn("kernel offset unknown and not derivable from the page tables: assuming 0")
		return
	}
	m.kaslr, m.kaslrFrom = first-textSym, "derived"
	m.warn("kernel offset 0x%x derived from the page tables (first kernel image mapping 0x%x)", m.kaslr, first)
}

func (m *KernelMemory) setPhysBase(info *VMCoreInfo, cfg KernelConfig) {
	switch {
	case cfg.HasPhysBase:
		m.physBase, m.hasPB = cfg.PhysBase, true
	case info != nil:
		if n, ok := info.Number("phys_base"); ok {
			m.physBase, m.hasPB = uint64(n), true
		}
	}
	if m.hasPB {
		return
	}
	if pb, ok := m.d.PhysBase(); ok {
		m.physBase, m.hasPB = pb, true
		return
	}
	// A virtual PT_LOAD of the kernel image places it.
	for _, v := range m.virt {
		if v.start >= kernelMapBase && v.start < modulesBase {
			m.physBase, m.hasPB = v.paddr-(v.start-kernelMapBase), true
			return
		}
	}
}

const modulesBase = 0xffffffffc0000000 // __START_KERNEL_map + KERNEL_IMAGE_SIZE (1 GiB)

func (m *KernelMemory) setLevels(info *VMCoreInfo, cfg KernelConfig) {
	m.levels = 4
	switch {
	case cfg.PagingLevels == 4 || cfg.PagingLevels == 5:
		m.levels = cfg.PagingLevels
	case info != nil:
		if n, ok := info.Number("pgtable_l5_enabled"); ok && n != 0 {
			m.levels = 5
		}
	default:
		for _, c := range m.d.CPUs() {
			if cr4, ok := c.Reg("CR4"); ok && c.HasQEMU {
				if cr4&(1<<12) != 0 { // CR4.LA57
					m.levels = 5
				}
				break
			}
		}
	}
}

func (m *KernelMemory) setRoot(info *VMCoreInfo, cfg KernelConfig) {
	va, ok := uint64(0), false
	if info != nil {
		va, ok = info.Symbol("init_top_pgt")
	}
	if !ok && cfg.InitTopPgtSym != 0 {
		va, ok = cfg.InitTopPgtSym+m.kaslr, true
	}
	if ok && m.hasPB && va >= kernelMapBase {
		root := va - kernelMapBase + m.physBase
		// The page tables map init_top_pgt itself: a root that does not
		// translate its own address back to itself comes from a wrong
		// phys_base or offset (QEMU's kdump sub-header, a bad
		// --kaslr-offset) and would make every walk read garbage.
		if m.selfMapped(root, va) {
			m.root, m.hasRoot, m.rootFrom = root, true, "init_top_pgt"
			return
		}
		m.warn("init_top_pgt 0x%x at physical 0x%x (phys_base 0x%x) does not map itself: ignored", va, root, m.physBase)
	}
	for _, c := range m.d.CPUs() {
		cr3, ok := c.Reg("CR3")
		if !ok || !c.HasQEMU || cr3 == 0 {
			continue
		}
		// With page-table isolation a CPU in user mode runs on the user
		// copy of the PGD (bit 12 set), which maps almost no kernel: take
		// the candidate whose top-level entry for the kernel image exists.
		base := cr3 & ptePFNMask &^ m.sme
		for _, root := range []uint64{base, base &^ 0x1000} {
			if m.topEntryPresent(root) {
				m.root, m.hasRoot, m.rootFrom = root, true, fmt.Sprintf("CR3 of CPU %d", c.CPU)
				return
			}
		}
	}
}

// directMapAgrees checks the direct-map base against the page tables: the
// top-level table must be reachable at page_offset_base + its physical
// address. A wrong base (corrupt variable, wrong symbol) would otherwise
// turn every direct-map address into a read of the wrong page.
func (m *KernelMemory) directMapAgrees() bool {
	pa, err := m.walk(m.pageOffset + m.root)
	return err == nil && pa == m.root
}

// selfMapped walks va with root as the top table and checks that it
// lands on root.
func (m *KernelMemory) selfMapped(root, va uint64) bool {
	saved, had := m.root, m.hasRoot
	m.root, m.hasRoot = root, true
	pa, err := m.walk(va)
	m.root, m.hasRoot = saved, had
	return err == nil && pa == root
}

// topEntryPresent checks the top-level entry that maps the kernel image.
func (m *KernelMemory) topEntryPresent(root uint64) bool {
	shift := uint(39)
	if m.levels == 5 {
		shift = 48
	}
	e, err := m.readEntry(root + (kernelMapBase>>shift)%tableSize*8)
	return err == nil && e&ptePresent != 0
}

// readBase reads a KASLR-randomised base variable (page_offset_base, ...)
// from the kernel image.
func (m *KernelMemory) readBase(sym uint64, name string) (uint64, bool) {
	if sym == 0 {
		return 0, false
	}
	var b [8]byte
	if _, err := m.ReadAt(b[:], sym+m.kaslr); err != nil {
		m.warn("cannot read %s at 0x%x: %v", name, sym+m.kaslr, err)
		return 0, false
	}
	v := binary.LittleEndian.Uint64(b[:])
	if v < 0xff00000000000000 || v&0x3fffffff != 0 {
		m.warn("%s = 0x%x is not a plausible region base; ignored", name, v)
		return 0, false
	}
	return v, true
}

// Warnings lists what NewKernelMemory had to guess or could not read.
func (m *KernelMemory) Warnings() []string { return append([]string(nil), m.warnings...) }

// KASLROffset is the kernel image's displacement in use.
func (m *KernelMemory) KASLROffset() uint64 { return m.kaslr }

// KASLRSource says where KASLROffset came from: "VMCOREINFO", "given"
// (KernelConfig), "derived" (page tables), or "" (unknown, 0 assumed).
func (m *KernelMemory) KASLRSource() string { return m.kaslrFrom }

// PhysBase is phys_base in use.
func (m *KernelMemory) PhysBase() (uint64, bool) { return m.physBase, m.hasPB }

// PageOffset is page_offset_base (the direct map's base) when known.
func (m *KernelMemory) PageOffset() (uint64, bool) { return m.pageOffset, m.hasPO }

// VmallocBase and VmemmapBase are the variables' values (0 when unknown).
func (m *KernelMemory) VmallocBase() uint64 { return m.vmalloc }

// VmemmapBase is vmemmap_base (the struct page array), 0 when unknown.
func (m *KernelMemory) VmemmapBase() uint64 { return m.vmemmap }

// PagingLevels is 4 or 5.
func (m *KernelMemory) PagingLevels() int { return m.levels }

// Root is the physical address of the top-level page table and where it
// came from ("init_top_pgt", "CR3 of CPU 0"); ok is false when none.
func (m *KernelMemory) Root() (paddr uint64, from string, ok bool) {
	return m.root, m.rootFrom, m.hasRoot
}

// Dump is the dump this memory reads.
func (m *KernelMemory) Dump() *Dump { return m.d }
