package kernel

import "fmt"

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
	off, err := k.Bin.FieldOffset("struct vmap_area", "list")
	if err != nil {
		return false
	}
	found := false
	errStop := fmt.Errorf("found")
	k.walkListHead(head.Addr(), maxVmapAreas, "vmap_area_list", func(node uint64) error {
		va, err := k.Object("struct vmap_area", node-off, "vmap_area")
		if err != nil {
			return err
		}
		start, _ := uintField(va, "va_start")
		end, _ := uintField(va, "va_end")
		if w.Addr < start || w.Addr >= end {
			return nil
		}
		found = true
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
		return errStop
	})
	return found
}
