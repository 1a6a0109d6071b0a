package kernel

import (
	"context"
	"fmt"
	"sort"
)

// RefTarget is what a reverse-reference search looks for: an address, or
// with Page the whole page holding it (and, for a direct-map page, its
// struct page).
type RefTarget struct {
	Addr uint64
	Page bool
}

// Refs finds every word in present memory that points into the target,
// each classified by what holds it (slab object, task stack, struct page,
// symbol). Without Page the target is the slab object holding Addr when
// there is one, else the single word.
func (k *Kernel) Refs(ctx context.Context, t RefTarget, opt SearchOptions) ([]Ref, error) {
	rs := k.refRanges(t)
	hits, err := k.SearchRanges(ctx, rs, opt)
	if err != nil {
		return nil, err
	}
	return k.Classify(hits), nil
}

// Classify names what holds each hit of a search, as a Ref whose Addr is
// the address the kernel uses for the word (kernel image, stack, memory
// map or direct map).
func (k *Kernel) Classify(hits []Hit) []Ref {
	c := k.newClassifier()
	refs := make([]Ref, 0, len(hits))
	for _, h := range hits {
		refs = append(refs, Ref{Addr: c.vaddr(h), Value: h.Value, What: c.what(h)})
	}
	return refs
}

// refRanges turns a target into the address ranges pointers may hold.
func (k *Kernel) refRanges(t RefTarget) []Range {
	if !t.Page {
		if res := k.slabResolver(); res != nil {
			if o, ok := res(t.Addr); ok {
				return []Range{{o.Object, o.Object + o.Size}}
			}
		}
		return []Range{{t.Addr, t.Addr + 8}}
	}
	page := uint64(k.Dump.PageSize())
	po, _ := k.Mem.PageOffset()
	vm := k.Mem.VmemmapBase()
	sz, hasSz := k.structPageSize()
	if hasSz && vm != 0 && t.Addr >= vm && t.Addr < vm+k.maxPFN()*sz {
		// A struct page: it and the page it describes.
		sp := t.Addr - (t.Addr-vm)%sz
		d := po + (sp-vm)/sz*page
		return []Range{{sp, sp + sz}, {d, d + page}}
	}
	lo := t.Addr &^ (page - 1)
	rs := []Range{{lo, lo + page}}
	if hasSz && vm != 0 && po != 0 && lo >= po && lo-po < k.maxPFN()*page {
		sp := vm + (lo-po)/page*sz
		rs = append(rs, Range{sp, sp + sz})
	}
	return rs
}

func (k *Kernel) structPageSize() (uint64, bool) {
	t, err := k.Type("struct page")
	if err != nil || t.Size() <= 0 {
		return 0, false
	}
	return uint64(t.Size()), true
}

// RefsTo attaches to each finding the words elsewhere that point into the
// page of its bad word (and that page's struct page), in one memory scan
// for all of them. At most perFinding refs are kept for each.
func (k *Kernel) RefsTo(ctx context.Context, fs []Finding, perFinding int, opt SearchOptions) error {
	if len(fs) == 0 {
		return nil
	}
	var rs []Range
	owners := make([][]Range, len(fs))
	for i, f := range fs {
		owners[i] = k.refRanges(RefTarget{Addr: f.Addr, Page: true})
		rs = append(rs, owners[i]...)
	}
	hits, err := k.SearchRanges(ctx, rs, opt)
	if err != nil {
		return err
	}
	c := k.newClassifier()
	for _, h := range hits {
		for i := range fs {
			// Words inside the damaged page itself are its own links, not
			// who else points at it.
			if len(fs[i].Refs) >= perFinding || !inRanges(owners[i], h.Value) || inRanges(owners[i], h.Addr) {
				continue
			}
			fs[i].Refs = append(fs[i].Refs, Ref{Addr: c.vaddr(h), Value: h.Value, What: c.what(h)})
		}
	}
	return nil
}

func inRanges(rs []Range, v uint64) bool {
	for _, r := range rs {
		if v >= r.Lo && v < r.Hi {
			return true
		}
	}
	return false
}

// classifier names what holds a word found in physical memory.
type classifier struct {
	k                    *Kernel
	imgLo, imgHi, physLo uint64          // kernel image: virtual range and its physical start
	reserved             map[uint64]bool // pfn -> PG_reserved, for pages in the image's range
	stacks               []stackRange
	stackSize            uint64
	vmemmap              []physMap
	stackPhys            []physMap
	modPhys              []physMap // loaded modules' core pages
}

type stackRange struct{ lo, hi, task uint64 }

// physMap is one page-table mapping, to go from a physical word back to
// the virtual address the kernel uses for it.
type physMap struct{ va, pa, size uint64 }

func (k *Kernel) newClassifier() *classifier {
	c := &classifier{k: k}
	if lo, ok := k.Bin.Symbol("_text"); ok {
		if hi, ok := k.Bin.Symbol("_end"); ok && hi > lo {
			if pa, err := k.Mem.Translate(lo); err == nil {
				c.imgLo, c.imgHi, c.physLo = lo, hi, pa
			}
		}
	}
	c.reserved = map[uint64]bool{}
	c.stackSize = 4 * uint64(k.Dump.PageSize())
	if a, ok := k.Bin.Symbol("init_stack"); ok {
		if s, _, ok := k.Bin.Lookup(a); ok && s.Size > 0 && s.Size <= 1<<20 {
			c.stackSize = s.Size
		}
	}
	if tl, err := k.Tasks(); err == nil {
		for _, t := range tl.Tasks {
			if t.Stack != 0 {
				c.stacks = append(c.stacks, stackRange{t.Stack, t.Stack + c.stackSize, t.Addr})
			}
		}
	}
	c.mapStacks()
	c.mapVmemmap()
	c.mapModules()
	return c
}

// mapModules resolves the loaded modules' core pages, which may sit
// anywhere in physical memory, even in the kernel image's freed init
// pages.
func (c *classifier) mapModules() {
	mods, err := c.k.Modules()
	if err != nil {
		return
	}
	page := uint64(c.k.Dump.PageSize())
	for _, m := range mods {
		for va := m.Base &^ (page - 1); va < m.Base+m.Size && m.Size < 1<<30; va += page {
			if pa, err := c.k.Mem.Translate(va); err == nil {
				c.modPhys = append(c.modPhys, physMap{va: va, pa: pa &^ (page - 1), size: page})
			}
		}
	}
	sort.Slice(c.modPhys, func(i, j int) bool { return c.modPhys[i].pa < c.modPhys[j].pa })
}

// mapStacks resolves each (vmalloc'd) stack to its physical pages.
func (c *classifier) mapStacks() {
	var vm []physMap
	for _, s := range c.stacks {
		for va := s.lo; va < s.hi; va += uint64(c.k.Dump.PageSize()) {
			if pa, err := c.k.Mem.Translate(va); err == nil {
				vm = append(vm, physMap{va: va, pa: pa &^ uint64(c.k.Dump.PageSize()-1), size: uint64(c.k.Dump.PageSize())})
			}
		}
	}
	sort.Slice(vm, func(i, j int) bool { return vm[i].pa < vm[j].pa })
	c.stackPhys = vm
}

// mapVmemmap finds the physical pages backing the memory map.
func (c *classifier) mapVmemmap() {
	vm := c.k.Mem.VmemmapBase()
	sz, ok := c.k.structPageSize()
	v, err := c.k.Global("max_pfn")
	if !ok || vm == 0 || err != nil {
		return
	}
	n, err := v.Uint()
	if err != nil || n == 0 || n > 1<<36 {
		return
	}
	_ = c.k.Mem.ForEachMapping(vm, vm+n*sz, func(va, pa, size uint64) error {
		c.vmemmap = append(c.vmemmap, physMap{va, pa, size})
		return nil
	})
	sort.Slice(c.vmemmap, func(i, j int) bool { return c.vmemmap[i].pa < c.vmemmap[j].pa })
}

func findPhys(ms []physMap, pa uint64) (uint64, bool) {
	i := sort.Search(len(ms), func(i int) bool { return ms[i].pa+ms[i].size > pa })
	if i < len(ms) && pa >= ms[i].pa {
		return ms[i].va + pa - ms[i].pa, true
	}
	return 0, false
}

// vaddr is the address the kernel itself uses for the word.
func (c *classifier) vaddr(h Hit) uint64 {
	if va, ok := findPhys(c.modPhys, h.Phys); ok {
		return va
	}
	if c.imgHi != 0 && h.Phys >= c.physLo && h.Phys < c.physLo+(c.imgHi-c.imgLo) {
		// The image keeps its pages PG_reserved; pages it freed after boot
		// (init sections, the gaps around rodata) belong to whoever
		// allocated them since, and they use the direct-map address.
		if c.imageOwns(h.Phys) {
			return c.imgLo + h.Phys - c.physLo
		}
	}
	if va, ok := findPhys(c.stackPhys, h.Phys); ok {
		return va
	}
	if va, ok := findPhys(c.vmemmap, h.Phys); ok {
		return va
	}
	return h.Addr
}

// imageOwns says whether the kernel image still owns the physical page
// of pa: its struct page is PG_reserved. Unknown counts as owned.
func (c *classifier) imageOwns(pa uint64) bool {
	pfn := pa / uint64(c.k.Dump.PageSize())
	if r, ok := c.reserved[pfn]; ok {
		return r
	}
	r := true
	bit, ok := c.k.pageFlagBit("PG_reserved")
	off, err := c.k.Bin.FieldOffset("struct page", "flags")
	if ok && err == nil {
		if flags, err := c.k.ReadU64(c.k.PageOf(pa) + off); err == nil {
			r = flags&(1<<bit) != 0
		}
	}
	c.reserved[pfn] = r
	return r
}

// what says what holds the word.
func (c *classifier) what(h Hit) string {
	va := c.vaddr(h)
	if _, ok := findPhys(c.modPhys, h.Phys); ok {
		if s, ok := c.k.Symbolize(va); ok {
			return "symbol " + s
		}
		return "module memory"
	}
	inImage := c.imgHi != 0 && va >= c.imgLo && va < c.imgHi
	if inImage {
		// Only a word inside a symbol's extent belongs to it: init memory
		// freed after boot is reused as ordinary pages.
		if sym, off, ok := c.k.Bin.Lookup(va); ok && (off < sym.Size || sym.Size == 0 && off < 64) {
			return "symbol " + sym.String(off)
		}
	}
	if _, ok := findPhys(c.stackPhys, h.Phys); ok {
		for _, s := range c.stacks {
			if va >= s.lo && va < s.hi {
				return fmt.Sprintf("task stack of %#x +%#x", s.task, va-s.lo)
			}
		}
	}
	if _, ok := findPhys(c.vmemmap, h.Phys); ok {
		sz, _ := c.k.structPageSize()
		vm := c.k.Mem.VmemmapBase()
		return fmt.Sprintf("struct page %#x (pfn %#x) +%#x", va-(va-vm)%sz, (va-vm)/sz, (va-vm)%sz)
	}
	if res := c.k.slabResolver(); res != nil {
		if o, ok := res(h.Addr); ok {
			state := "allocated"
			if o.Known && o.Free {
				state = "free"
			}
			return fmt.Sprintf("slab object %#x of %s +%#x (%s)", o.Object, o.Cache, o.Offset, state)
		}
	}
	if inImage {
		return "kernel image, outside any symbol (freed init memory?)"
	}
	return "direct map"
}
