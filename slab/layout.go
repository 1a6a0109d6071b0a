package slab

import (
	"fmt"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
	"github.com/kdx-dev/kdx/kernel"
)

// bitfield locates an unsigned bitfield inside the 64-bit word at a known
// offset (the slab's counters word).
type bitfield struct {
	shift, bits uint
}

func (b bitfield) get(word uint64) uint64 { return word >> b.shift & (1<<b.bits - 1) }

// layout is everything the hot loops need about the slab metadata, probed
// once from DWARF so that they can decode raw struct page bytes without
// going through typed values.
type layout struct {
	slabType  string // "struct slab" (5.17+) or "struct page"
	pageSize  uint64 // sizeof(struct page): the vmemmap stride
	flags     uint64 // offset of the page flags word
	listField string // the member linking a slab on a partial list: slab_list, or lru
	list      uint64 // offset of listField: its next, then prev
	next      uint64 // offset of the per-CPU partial chain pointer
	cache     uint64 // offset of slab_cache
	freelist  uint64 // offset of freelist
	counters  uint64 // offset of the word holding inuse/objects/frozen
	inuse     bitfield
	objects   bitfield
	frozen    bitfield
	order     uint64 // offset of compound_order in the first tail page
	orderSize uint64 // its size in bytes (1 or 4)
	pgSlab    uint   // PG_slab bit
	pgHead    uint   // PG_head bit

	vmemmap    uint64 // runtime vmemmap_base
	pageOffset uint64 // runtime page_offset_base
	page       uint64 // the kernel's PAGE_SIZE
	hardened   bool   // kmem_cache has random (SLAB_FREELIST_HARDENED)
}

// probeLayout reads the slab metadata layout from DWARF, detecting the
// struct slab / struct page era and slab_list / lru naming by the types
// present rather than by version.
func probeLayout(k *kernel.Kernel) (*layout, error) {
	l := &layout{slabType: "struct slab", page: uint64(k.Dump.PageSize())}
	if _, err := k.Type("struct slab"); err != nil || !k.HasField("struct slab", "slab_cache") {
		l.slabType = "struct page"
	}
	pt, err := k.Type("struct page")
	if err != nil {
		return nil, fmt.Errorf("slab layout: %w", err)
	}
	l.pageSize = uint64(pt.Size())
	if l.pageSize == 0 || l.pageSize > 256 {
		return nil, fmt.Errorf("slab layout: sizeof(struct page) = %d is implausible", l.pageSize)
	}
	if err := l.probeOffsets(k); err != nil {
		return nil, err
	}
	if err := l.probeFlags(k); err != nil {
		return nil, err
	}
	po, ok := k.Mem.PageOffset()
	if !ok || k.Mem.VmemmapBase() == 0 {
		return nil, fmt.Errorf("slab layout: page_offset_base or vmemmap_base unknown")
	}
	l.pageOffset, l.vmemmap = po, k.Mem.VmemmapBase()
	l.hardened = k.HasField("struct kmem_cache", "random")
	return l, nil
}

func (l *layout) probeOffsets(k *kernel.Kernel) error {
	l.listField = "slab_list"
	if !k.HasField(l.slabType, l.listField) {
		l.listField = "lru"
	}
	fields := []struct {
		name string
		dst  *uint64
	}{
		{"slab_cache", &l.cache}, {"freelist", &l.freelist}, {"counters", &l.counters},
		{l.listField, &l.list}, {"next", &l.next},
	}
	for _, f := range fields {
		off, err := k.Bin.FieldOffset(l.slabType, f.name)
		if err != nil {
			return fmt.Errorf("slab layout: %w", err)
		}
		*f.dst = off
	}
	if off, err := k.Bin.FieldOffset(l.slabType, "__page_flags"); err == nil {
		l.flags = off
	} else if off, err = k.Bin.FieldOffset("struct page", "flags"); err == nil {
		l.flags = off
	} else {
		return fmt.Errorf("slab layout: no flags word: %w", err)
	}
	for _, b := range []struct {
		name string
		dst  *bitfield
	}{{"inuse", &l.inuse}, {"objects", &l.objects}, {"frozen", &l.frozen}} {
		f, err := k.Bin.Field(l.slabType, b.name)
		if err != nil {
			return fmt.Errorf("slab layout: %w", err)
		}
		bits := uint(f.BitSize)
		if bits == 0 {
			bits = uint(f.Type.Size() * 8)
		}
		shift := uint(uint64(f.ByteOffset)-l.counters)*8 + uint(f.BitOffset)
		if shift+bits > 64 {
			return fmt.Errorf("slab layout: %s.%s lies outside the counters word", l.slabType, b.name)
		}
		*b.dst = bitfield{shift: shift, bits: bits}
	}
	return l.probeOrder(k)
}

// probeOrder finds where a compound page keeps its order: in the first
// tail page, as compound_order (up to 6.2) or _folio_order (folios).
func (l *layout) probeOrder(k *kernel.Kernel) error {
	for _, c := range []struct{ typ, field string }{
		{"struct page", "compound_order"}, {"struct folio", "_folio_order"},
	} {
		f, err := k.Bin.Field(c.typ, c.field)
		if err != nil {
			continue
		}
		off := uint64(f.ByteOffset)
		if c.typ == "struct folio" {
			off -= l.pageSize // folio fields after the head page live in page[1]
		}
		l.order, l.orderSize = off, uint64(f.Type.Size())
		if l.orderSize == 0 || l.orderSize > 8 || off+l.orderSize > l.pageSize {
			return fmt.Errorf("slab layout: %s.%s has a bad size or offset", c.typ, c.field)
		}
		return nil
	}
	return fmt.Errorf("slab layout: no compound_order in struct page nor _folio_order in struct folio")
}

// probeFlags takes PG_slab and PG_head from the DWARF enum pageflags.
func (l *layout) probeFlags(k *kernel.Kernel) error {
	t, err := k.Type("enum pageflags")
	if err != nil {
		return fmt.Errorf("slab layout: %w", err)
	}
	et, ok := t.(*godwarf.EnumType)
	if !ok {
		return fmt.Errorf("slab layout: pageflags is %T, not an enum", t)
	}
	found := 0
	for _, v := range et.Val {
		switch v.Name {
		case "PG_slab":
			l.pgSlab = uint(v.Val)
			found |= 1
		case "PG_head":
			l.pgHead = uint(v.Val)
			found |= 2
		}
	}
	if found != 3 || l.pgSlab > 63 || l.pgHead > 63 {
		return fmt.Errorf("slab layout: enum pageflags lacks PG_slab or PG_head")
	}
	return nil
}

// slabOfPFN is the struct slab (struct page) address of a page frame.
func (l *layout) slabOfPFN(pfn uint64) uint64 { return l.vmemmap + pfn*l.pageSize }

// pfnOfSlab is the page frame of a struct slab address, ok false when the
// address is not a struct page in the memory map.
func (l *layout) pfnOfSlab(slab uint64) (uint64, bool) {
	if slab < l.vmemmap || (slab-l.vmemmap)%l.pageSize != 0 {
		return 0, false
	}
	return (slab - l.vmemmap) / l.pageSize, true
}

// base is the direct-map address of a slab's first byte.
func (l *layout) base(pfn uint64) uint64 { return l.pageOffset + pfn*l.page }
