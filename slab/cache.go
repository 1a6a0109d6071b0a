package slab

import (
	"fmt"

	"github.com/kdx-dev/kdx/dwarf"
	"github.com/kdx-dev/kdx/kernel"
)

// Cache is one struct kmem_cache as read from the dump.
type Cache struct {
	Name       string
	Addr       uint64 // struct kmem_cache *
	Size       uint64 // s->size: the object stride
	ObjectSize uint64 // s->object_size
	Offset     uint64 // s->offset: where the free pointer lives
	RedLeftPad uint64 // s->red_left_pad (slub_debug red zone)
	Order      uint64 // from s->oo
	PerSlab    uint64 // objects per slab, from s->oo
	MinOrder   uint64 // from s->min
	Flags      uint64 // s->flags (slab_flags_t)
	Random     uint64 // s->random (freelist hardening key)
	Aliases    int    // merged caches sharing this one (s->refcount - 1)
	CPUSlab    uint64 // s->cpu_slab (a per-CPU offset)
	Nodes      []uint64

	Path string // "slab_caches -> kmalloc-256"
}

// ooShift splits struct kmem_cache_order_objects.x into order (high bits)
// and objects (low bits), as mm/slub.c's OO_SHIFT does; it is a value of
// the allocator's encoding, not a structure offset.
const ooShift = 16

// maxCaches bounds the slab_caches walk.
const maxCaches = 1 << 14

// readCaches walks slab_caches and reads each cache's parameters.
func readCaches(k *kernel.Kernel, nodes int) ([]*Cache, []kernel.Finding, error) {
	head, ok := k.Bin.Symbol("slab_caches")
	if !ok {
		return nil, nil, fmt.Errorf("slab_caches: no such symbol (is this a SLUB kernel?)")
	}
	r, err := k.WalkList(head, kernel.ListOptions{Type: "struct kmem_cache", Member: "list", Name: "slab_caches", Max: maxCaches})
	if err != nil {
		return nil, nil, err
	}
	var caches []*Cache
	fs := r.Findings
	for _, e := range r.Entries {
		c, err := readCache(k, e.Entry, nodes)
		if err != nil {
			fs = append(fs, kernel.Finding{Kind: kernel.KindUnreadable, Severity: kernel.Warning, Addr: e.Entry,
				Path: fmt.Sprintf("slab_caches -> #%d %#x", e.Index, e.Entry), Found: err.Error()})
			continue
		}
		caches = append(caches, c)
	}
	return caches, fs, nil
}

func readCache(k *kernel.Kernel, addr uint64, nodes int) (*Cache, error) {
	v, err := k.Object("struct kmem_cache", addr, fmt.Sprintf("kmem_cache %#x", addr))
	if err != nil {
		return nil, err
	}
	c := &Cache{Addr: addr}
	if f, err := v.Field("name"); err == nil {
		c.Name, _ = f.CString(64)
	}
	if c.Name == "" {
		c.Name = fmt.Sprintf("cache-%#x", addr)
	}
	c.Path = "slab_caches -> " + c.Name
	var oo, min, refcount uint64
	for _, f := range []struct {
		name string
		dst  *uint64
		need bool
	}{
		{"size", &c.Size, true}, {"object_size", &c.ObjectSize, true}, {"offset", &c.Offset, true},
		{"oo.x", &oo, true}, {"min.x", &min, false}, {"flags", &c.Flags, false}, {"cpu_slab", &c.CPUSlab, true},
		{"red_left_pad", &c.RedLeftPad, false}, {"random", &c.Random, false}, {"refcount", &refcount, false},
	} {
		if err := readUint(v, f.name, f.dst); err != nil && f.need {
			return nil, err
		}
	}
	c.Order, c.PerSlab = oo>>ooShift, oo&(1<<ooShift-1)
	c.MinOrder = min >> ooShift
	c.Aliases = max(int(int32(refcount))-1, 0)
	if c.Size == 0 || c.Size > 1<<26 || c.Order > 20 || c.ObjectSize > c.Size || c.RedLeftPad+c.ObjectSize > c.Size {
		return nil, fmt.Errorf("%s at %#x: implausible size %d, object_size %d, red_left_pad %d or order %d",
			c.Path, addr, c.Size, c.ObjectSize, c.RedLeftPad, c.Order)
	}
	if err := c.readNodes(v, nodes); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Cache) readNodes(v dwarf.Value, nodes int) error {
	arr, err := v.Field("node")
	if err != nil {
		return err
	}
	for i := 0; i < nodes; i++ {
		e, err := arr.Index(i)
		if err != nil {
			return err
		}
		p, err := e.Pointer()
		if err != nil {
			return err
		}
		c.Nodes = append(c.Nodes, p)
	}
	return nil
}

func readUint(v dwarf.Value, path string, dst *uint64) error {
	f, err := v.Field(path)
	if err != nil {
		return err
	}
	x, err := f.Uint()
	if err != nil {
		return err
	}
	*dst = x
	return nil
}

// SlabBytes is the size of one slab of the cache's preferred order.
func (c *Cache) SlabBytes(page uint64) uint64 { return page << c.Order }
