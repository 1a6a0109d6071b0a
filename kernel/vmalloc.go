package kernel

import (
	"fmt"

	"github.com/kdx-dev/kdx/dwarf"
)

// maxVmapAreas bounds the vmap_area_list walk.
const maxVmapAreas = 1 << 20

// describeVmalloc finds the vmap_area holding w.Addr on vmap_area_list and
// names its allocator (vm_struct.caller).
func (k *Kernel) describeVmalloc(w *What) bool {
	base := k.Mem.VmallocBase()
	if base == 0 || w.Addr < base {
		return false
	}
	head, err := k.Global("vmap_area_list")
	if err != nil {
		return false
	}
	lw, err := k.NewListWalker(head.Addr(), ListOptions{Type: "struct vmap_area", Member: "list", Max: maxVmapAreas, Name: "vmap_area_list"})
	if err != nil {
		return false
	}
	for {
		e, ok := lw.Next()
		if !ok {
			return false
		}
		va, err := k.Object("struct vmap_area", e.Entry, "vmap_area")
		if err != nil {
			return false
		}
		start, _ := uintField(va, "va_start")
		end, _ := uintField(va, "va_end")
		if w.Addr >= start && w.Addr < end {
			k.describeArea(w, va, start, end)
			return true
		}
	}
}

// describeArea fills in a vmalloc area and, from its vm_struct, the
// function that allocated it.
func (k *Kernel) describeArea(w *What, va dwarf.Value, start, end uint64) {
	w.Kind, w.AreaStart, w.AreaEnd = "vmalloc", start, end
	w.Desc = fmt.Sprintf("vmalloc area %#x-%#x (+%#x)", start, end, w.Addr-start)
	if vm, err := ptrField(va, "vm"); err == nil && vm != 0 {
		if s, err := k.Object("struct vm_struct", vm, "vm"); err == nil {
			if c, err := ptrField(s, "caller"); err == nil {
				if name, ok := k.Symbolize(c); ok {
					w.Caller = name
					w.Desc += ", allocated by " + name
				}
			}
		}
	}
}
