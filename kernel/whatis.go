package kernel

import (
	"fmt"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// What says what an address is.
type What struct {
	Addr   uint64      `json:"addr"`
	Kind   string      `json:"kind"` // symbol, module, slab, task-stack, page, direct-map, vmalloc, user, unknown
	Desc   string      `json:"desc"` // one line for a person
	Symbol string      `json:"symbol,omitempty"`
	Module string      `json:"module,omitempty"`
	Slab   *SlabObject `json:"slab,omitempty"`
	Task   *Task       `json:"task,omitempty"`
	Page   uint64      `json:"page,omitempty"` // struct page * of the memory (or the page described, for vmemmap)
	Phys   uint64      `json:"phys,omitempty"`
	HasPhy bool        `json:"has_phys"`
	// vmalloc areas: the area and who allocated it
	AreaStart uint64 `json:"area_start,omitempty"`
	AreaEnd   uint64 `json:"area_end,omitempty"`
	Caller    string `json:"caller,omitempty"`
}

// Whatis classifies addr: kernel symbol, module, task stack, slab object,
// struct page, direct-map page, vmalloc area, user space, or unknown. It
// tries the cheap, certain answers first.
func (k *Kernel) Whatis(addr uint64) What {
	w := What{Addr: addr, Kind: "unknown"}
	if pa, err := k.Mem.Translate(addr); err == nil {
		w.Phys, w.HasPhy = pa, true
	}
	switch {
	case addr < 1<<47:
		w.Kind, w.Desc = "user", "user-space address (kdx reads kernel memory only)"
		return w
	case k.inKernelImage(addr):
		k.describeSymbol(&w)
		return w
	}
	if m, ok := k.ModuleAt(addr); ok {
		w.Kind, w.Module = "module", m.Name
		w.Desc = fmt.Sprintf("in module %s", Sanitize(m.Name, false))
		if s, ok := k.Symbolize(addr); ok {
			w.Symbol, w.Desc = s, Sanitize(s, false) // "sym+off [module]"
		}
		return w
	}
	if t, ok := k.stackOwner(addr); ok {
		w.Kind, w.Task = "task-stack", t
		w.Desc = fmt.Sprintf("kernel stack of pid %d %q (task %#x), %#x bytes below its top", t.PID, Sanitize(t.Comm, false), t.Addr, t.Stack+k.threadSize()-addr)
		return w
	}
	if k.inVmemmap(addr) {
		k.describeStructPage(&w)
		return w
	}
	if k.inDirectMap(addr) {
		k.describeDirectMap(&w)
		return w
	}
	if k.describeVmalloc(&w) {
		return w
	}
	if !w.HasPhy {
		w.Desc = "not mapped in the dump's kernel page tables"
	} else {
		w.Desc = fmt.Sprintf("mapped to physical %#x", w.Phys)
	}
	return w
}

func (k *Kernel) inKernelImage(addr uint64) bool {
	lo, ok1 := k.Bin.Symbol("_text")
	hi, ok2 := k.Bin.Symbol("_end")
	return ok1 && ok2 && addr >= lo && addr < hi
}

func (k *Kernel) describeSymbol(w *What) {
	w.Kind = "symbol"
	if s, ok := k.Symbolize(w.Addr); ok {
		w.Symbol, w.Desc = s, s
		if sym, _, ok := k.Bin.Lookup(w.Addr); ok {
			w.Desc = fmt.Sprintf("%s (%s)", s, symKind(sym.Kind))
		}
		return
	}
	w.Desc = "inside the kernel image, no symbol"
}

func symKind(c byte) string {
	switch c | 0x20 {
	case 't':
		return "kernel text"
	case 'd':
		return "kernel data"
	case 'b':
		return "kernel bss"
	case 'r':
		return "kernel rodata"
	}
	return "kernel image"
}

// stackOwner finds the task whose kernel stack holds addr.
func (k *Kernel) stackOwner(addr uint64) (*Task, bool) {
	tl, err := k.Tasks()
	if err != nil {
		return nil, false
	}
	size := k.threadSize()
	for i := range tl.Tasks {
		t := &tl.Tasks[i]
		if t.Stack != 0 && addr >= t.Stack && addr-t.Stack < size {
			return t, true
		}
	}
	return nil, false
}

// pageStructSize is sizeof(struct page).
func (k *Kernel) pageStructSize() uint64 {
	v, _ := k.cached("sizeof_page", func() (any, error) {
		t, err := k.Type("struct page")
		if err != nil || t.Size() <= 0 {
			return uint64(64), err
		}
		return uint64(t.Size()), nil
	})
	return v.(uint64)
}

// maxPFN is the highest physical page frame number (max_pfn), bounded by
// what the dump covers.
func (k *Kernel) maxPFN() uint64 {
	v, _ := k.cached("max_pfn", func() (any, error) {
		if g, err := k.Global("max_pfn"); err == nil {
			if n, err := g.Uint(); err == nil && n > 0 && n < 1<<40 {
				return n, nil
			}
		}
		var hi uint64
		for _, r := range k.Dump.PresentRanges() {
			hi = max(hi, r.End)
		}
		return hi / uint64(k.Dump.PageSize()), nil
	})
	return v.(uint64)
}

func (k *Kernel) inVmemmap(addr uint64) bool {
	base := k.Mem.VmemmapBase()
	return base != 0 && addr >= base && addr < base+k.maxPFN()*k.pageStructSize()
}

func (k *Kernel) inDirectMap(addr uint64) bool {
	base, ok := k.Mem.PageOffset()
	return ok && addr >= base && addr < base+k.maxPFN()*uint64(k.Dump.PageSize())
}

// PageOf is the struct page describing the physical address pa.
func (k *Kernel) PageOf(pa uint64) uint64 {
	return k.Mem.VmemmapBase() + pa/uint64(k.Dump.PageSize())*k.pageStructSize()
}

// DirectMapAddr is pa's address in the direct map (0 when unknown).
func (k *Kernel) DirectMapAddr(pa uint64) uint64 {
	base, ok := k.Mem.PageOffset()
	if !ok {
		return 0
	}
	return base + pa
}

func (k *Kernel) describeStructPage(w *What) {
	size := k.pageStructSize()
	idx := (w.Addr - k.Mem.VmemmapBase()) / size
	w.Kind = "page"
	w.Page = k.Mem.VmemmapBase() + idx*size
	pa := idx * uint64(k.Dump.PageSize())
	w.Desc = fmt.Sprintf("struct page %#x (+%#x) for pfn %#x, physical %#x, direct map %#x%s",
		w.Page, w.Addr-w.Page, idx, pa, k.DirectMapAddr(pa), k.pageSummary(w.Page))
}

func (k *Kernel) describeDirectMap(w *What) {
	base, _ := k.Mem.PageOffset()
	pa := w.Addr - base
	w.Phys, w.HasPhy = pa, true
	w.Page = k.PageOf(pa)
	if res := k.slabResolver(); res != nil {
		if so, ok := res(w.Addr); ok {
			w.Kind, w.Slab = "slab", &so
			state := "allocated"
			if !so.Known {
				state = "state unknown"
			} else if so.Free {
				state = "free"
			}
			w.Desc = fmt.Sprintf("%s object %#x+%#x (%s), slab %#x", Sanitize(so.Cache, false), so.Object, so.Offset, state, so.Slab)
			return
		}
	}
	w.Kind = "direct-map"
	w.Desc = fmt.Sprintf("direct-map address of physical %#x, struct page %#x%s", pa, w.Page, k.pageSummary(w.Page))
}

// pageSummary names what a struct page says about its page: a slab of
// which cache, or just its flags.
func (k *Kernel) pageSummary(page uint64) string {
	v, err := k.Object("struct page", page, fmt.Sprintf("page %#x", page))
	if err != nil {
		return ""
	}
	flags, err := uintField(v, "flags")
	if err != nil {
		return ""
	}
	if bit, ok := k.pageFlagBit("PG_slab"); ok && flags&(1<<bit) != 0 {
		if s, err := k.Object("struct slab", page, "slab"); err == nil {
			if c, err := ptrField(s, "slab_cache"); err == nil && c != 0 {
				if name, ok := k.cacheName(c); ok {
					return fmt.Sprintf(" (slab page of %s)", Sanitize(name, false))
				}
			}
		}
		return " (slab page)"
	}
	return fmt.Sprintf(" (flags %#x)", flags)
}

func (k *Kernel) cacheName(cache uint64) (string, bool) {
	c, err := k.Object("struct kmem_cache", cache, "kmem_cache")
	if err != nil {
		return "", false
	}
	p, err := ptrField(c, "name")
	if err != nil {
		return "", false
	}
	b := make([]byte, 64)
	if _, err := k.Mem.ReadAt(b, p); err != nil {
		return "", false
	}
	for i, c := range b {
		if c == 0 {
			return string(b[:i]), true
		}
	}
	return string(b), true
}

// pageFlagBit is the bit number of a page flag, from the DWARF enum
// pageflags (the numbering depends on the configuration).
func (k *Kernel) pageFlagBit(name string) (uint, bool) {
	v, _ := k.cached("pageflags", func() (any, error) {
		bits := map[string]uint{}
		t, err := k.Type("enum pageflags")
		if err != nil {
			return bits, nil
		}
		if e, ok := t.(*godwarf.EnumType); ok {
			for _, v := range e.Val {
				if v.Val >= 0 && v.Val < 64 {
					bits[v.Name] = uint(v.Val)
				}
			}
		}
		return bits, nil
	})
	bit, ok := v.(map[string]uint)[name]
	return bit, ok
}

// PageFlagBit is the bit number of a page flag ("PG_slab"), from DWARF.
func (k *Kernel) PageFlagBit(name string) (uint, bool) { return k.pageFlagBit(name) }
