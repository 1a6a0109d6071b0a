package tui

import (
	"context"
	"fmt"
	"math/bits"

	"github.com/kdx-dev/kdx/dwarf"
	"github.com/kdx-dev/kdx/kernel"
	"github.com/kdx-dev/kdx/slab"
)

// Package slab exports no per-slab listing, so the browser builds the two
// it needs from public pieces: a cache's node partial lists walked with
// kernel.ListWalker (each link checked as for any list), and a slab's
// objects located with slab's own ObjectAt, which also says free or
// allocated. Layouts come from DWARF by name.

// maxListedSlabs bounds the slabs one kmem -S page shows.
const maxListedSlabs = 100000

// slabListMember is the list_head that links a slab on a node partial
// list: struct slab.slab_list (5.17+), or struct page.lru before.
func (b *KernelBackend) slabListMember() (typ, member string) {
	if b.K.HasField("struct slab", "slab_list") {
		return "struct slab", "slab_list"
	}
	return "struct page", "lru"
}

func (s slabBackend) cache(name string) (*slab.Cache, error) {
	c, ok := s.b.slab.Cache(name)
	if !ok {
		return nil, fmt.Errorf("no slab cache %q", name)
	}
	return c, nil
}

// Slabs lists the cache's slabs: first those on its node partial lists
// (in list order, each link checked), then every other slab of the cache
// found by looking up each page of the direct map with slab.ObjectAt
// (full slabs and per-CPU slabs are on no list SLUB keeps).
func (s slabBackend) Slabs(ctx context.Context, cache string) ([]SlabRow, error) {
	c, err := s.cache(cache)
	if err != nil {
		return nil, err
	}
	out, err := s.partialSlabs(c)
	if err != nil {
		return out, err
	}
	seen := map[uint64]bool{}
	for _, r := range out {
		seen[r.Addr] = true
	}
	cpus := s.cpuSlabs(c)
	k := s.b.K
	maxPFN := uint64(0)
	if g, err := k.Global("max_pfn"); err == nil {
		maxPFN, _ = g.Uint()
	}
	page := uint64(k.Dump.PageSize())
	for pfn := uint64(0); pfn < min(maxPFN, 1<<36) && len(out) < maxListedSlabs; pfn++ {
		if pfn%4096 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		addr := k.DirectMapAddr(pfn * page)
		if addr == 0 {
			break
		}
		o, ok := s.b.slab.ObjectAt(addr)
		if !ok || o.CacheAddr != c.Addr || seen[o.Slab] {
			continue
		}
		seen[o.Slab] = true
		where := "full (on no list)"
		if cs, ok := cpus[o.Slab]; ok && cs.partial {
			where = fmt.Sprintf("cpu%d partial", cs.cpu)
		} else if ok {
			where = fmt.Sprintf("cpu%d active", cs.cpu)
		}
		out = append(out, s.slabRow(c, o.Slab, where))
	}
	return out, nil
}

// partialSlabs walks the cache's node partial lists.
func (s slabBackend) partialSlabs(c *slab.Cache) ([]SlabRow, error) {
	typ, member := s.b.slabListMember()
	var out []SlabRow
	for n, node := range c.Nodes {
		if node == 0 {
			continue
		}
		v, err := s.b.K.Object("struct kmem_cache_node", node, fmt.Sprintf("%s node[%d]", c.Name, n))
		if err != nil {
			return out, err
		}
		head, err := v.Field("partial")
		if err != nil {
			return out, err
		}
		r, err := s.b.K.WalkList(head.Addr(), kernel.ListOptions{Type: typ, Member: member,
			Max: maxListedSlabs, Name: fmt.Sprintf("%s node%d partial", c.Name, n)})
		if err != nil {
			return out, err
		}
		for _, e := range r.Entries {
			out = append(out, s.slabRow(c, e.Entry, fmt.Sprintf("node%d partial", n)))
		}
		for _, f := range r.Findings {
			out = append(out, SlabRow{Addr: f.Addr, Where: "BROKEN LIST: " + f.Kind, Bad: true})
		}
	}
	return out, nil
}

// slabRow counts a slab's allocated objects.
func (s slabBackend) slabRow(c *slab.Cache, sl uint64, where string) SlabRow {
	row := SlabRow{Addr: sl, Where: where, Objects: int(c.PerSlab)}
	first, err := s.firstObject(sl)
	if err != nil {
		row.Where += " (" + err.Error() + ")"
		row.Bad = true
		return row
	}
	row.Base = first.Object
	for i := uint64(0); i < c.PerSlab && i < 1<<16; i++ {
		if o, ok := s.b.slab.ObjectAt(first.Object + i*first.Size); ok && !(o.Known && o.Free) {
			row.InUse++
		}
	}
	return row
}

// Objects lists a slab's objects, free or allocated as slab's ObjectAt
// says (it knows the per-CPU and slab freelists).
func (s slabBackend) Objects(sl uint64) ([]ObjectRow, error) {
	first, err := s.firstObject(sl)
	if err != nil {
		return nil, err
	}
	c, err := s.cache(first.Cache)
	if err != nil {
		return nil, err
	}
	order, broken := s.freelistOrder(sl, c, first.Object)
	var out []ObjectRow
	for i := uint64(0); i < c.PerSlab && i < 1<<16; i++ {
		o, ok := s.b.slab.ObjectAt(first.Object + i*first.Size)
		if !ok {
			break
		}
		row := ObjectRow{Addr: o.Object, Free: o.Known && o.Free, FreeIndex: -1, Bad: o.Object == broken}
		if n, ok := order[o.Object]; ok {
			row.FreeIndex = n
		}
		out = append(out, row)
	}
	return out, nil
}

// freelistOrder walks the slab's own freelist (struct slab.freelist; a
// per-CPU slab's list lives in kmem_cache_cpu and is not walked here),
// decoding hardened pointers the way slab's probe found the kernel to
// store them. It returns each free object's position, and the object
// whose free pointer leads out of the slab (0 when the walk is clean).
func (s slabBackend) freelistOrder(sl uint64, c *slab.Cache, base uint64) (map[uint64]int, uint64) {
	order := map[uint64]int{}
	var heads []uint64
	if cs, ok := s.cpuSlabs(c)[sl]; ok && !cs.partial {
		heads = append(heads, cs.freelist) // the active slab's lockless list first
	}
	typ, _ := s.b.slabListMember()
	if v, err := s.b.K.Object(typ, sl, fmt.Sprintf("slab %#x", sl)); err == nil {
		if fv, err := v.Field("freelist"); err == nil {
			if p, err := fv.Pointer(); err == nil {
				heads = append(heads, p)
			}
		}
	}
	for _, h := range heads {
		if bad := s.walkFreelist(h, c, base, order); bad != 0 {
			return order, bad
		}
	}
	return order, 0
}

// walkFreelist numbers the objects of one freelist from head on, after
// those already in order, and returns the object whose free pointer went
// astray (0 when the list ends cleanly).
func (s slabBackend) walkFreelist(cur uint64, c *slab.Cache, base uint64, order map[uint64]int) uint64 {
	variant := s.b.slab.Variant()
	end := base + c.PerSlab*c.Size
	start := len(order)
	for i := start; cur != 0 && i <= start+int(c.PerSlab); i++ {
		if cur < base || cur >= end || (cur-base)%c.Size != 0 {
			return s.prevObject(order, i)
		}
		if _, dup := order[cur]; dup {
			return cur // a cycle, or an object on both lists
		}
		order[cur] = i
		at := cur + c.Offset
		stored, err := s.b.K.ReadU64(at)
		if err != nil {
			return cur
		}
		cur = decodeFreePointer(stored, c.Random, at, variant)
	}
	return 0
}

// cpuSlab is a slab a CPU holds: its active slab (with the lockless
// freelist) or one on its partial chain.
type cpuSlab struct {
	cpu      int
	freelist uint64 // the active slab's kmem_cache_cpu.freelist
	partial  bool
}

// maxCPUPartial bounds the walk of one CPU's partial chain.
const maxCPUPartial = 1 << 12

// cpuSlabs maps each CPU's active slab of the cache to its CPU and
// freelist (struct kmem_cache_cpu at s->cpu_slab + __per_cpu_offset[cpu]).
func (s slabBackend) cpuSlabs(c *slab.Cache) map[uint64]cpuSlab {
	out := map[uint64]cpuSlab{}
	k := s.b.K
	offs, err := k.Global("__per_cpu_offset")
	if err != nil {
		return out
	}
	n := 0
	if g, err := k.Global("nr_cpu_ids"); err == nil {
		if v, err := g.Uint(); err == nil {
			n = int(min(v, 8192))
		}
	}
	field := "slab"
	if !k.HasField("struct kmem_cache_cpu", field) {
		field = "page" // before struct slab (5.17)
	}
	for cpu := 0; cpu < n; cpu++ {
		ov, err := offs.Index(cpu)
		if err != nil {
			break
		}
		off, err := ov.Uint()
		if err != nil {
			continue
		}
		v, err := k.Object("struct kmem_cache_cpu", c.CPUSlab+off, fmt.Sprintf("%s cpu%d", c.Name, cpu))
		if err != nil {
			continue
		}
		sl, err1 := fieldPointer(v, field)
		fl, err2 := fieldPointer(v, "freelist")
		if err1 == nil && err2 == nil && sl != 0 {
			out[sl] = cpuSlab{cpu: cpu, freelist: fl}
		}
		if p, err := fieldPointer(v, "partial"); err == nil {
			s.cpuPartial(p, cpu, out)
		}
	}
	return out
}

// cpuPartial follows a CPU's partial chain (struct slab.next), bounded and
// stopping at a slab seen before.
func (s slabBackend) cpuPartial(p uint64, cpu int, out map[uint64]cpuSlab) {
	typ, _ := s.b.slabListMember()
	for i := 0; p != 0 && i < maxCPUPartial; i++ {
		if _, seen := out[p]; seen {
			return
		}
		out[p] = cpuSlab{cpu: cpu, partial: true}
		v, err := s.b.K.Object(typ, p, fmt.Sprintf("cpu%d partial slab %#x", cpu, p))
		if err != nil {
			return
		}
		if p, err = fieldPointer(v, "next"); err != nil {
			return
		}
	}
}

func fieldPointer(v dwarf.Value, name string) (uint64, error) {
	f, err := v.Field(name)
	if err != nil {
		return 0, err
	}
	return f.Pointer()
}

// prevObject is the object at freelist position i-1: the one whose free
// pointer went astray.
func (s slabBackend) prevObject(order map[uint64]int, i int) uint64 {
	for a, n := range order {
		if n == i-1 {
			return a
		}
	}
	return 0
}

// decodeFreePointer undoes SLAB_FREELIST_HARDENED's encoding
// (mm/slub.c freelist_ptr): stored = ptr ^ s->random ^ swab(address of the
// stored word) on 5.7+, without the swab before; plain when unhardened.
func decodeFreePointer(stored, random, at uint64, variant string) uint64 {
	switch variant {
	case "hardened (swab)":
		return stored ^ random ^ bits.ReverseBytes64(at)
	case "hardened (no swab)":
		return stored ^ random ^ at
	}
	return stored
}

// firstObject finds the first object of the slab whose struct slab (or
// struct page) is at sl, through the page's direct-map address.
func (s slabBackend) firstObject(sl uint64) (kernel.SlabObject, error) {
	k := s.b.K
	t, err := k.Type("struct page")
	if err != nil {
		return kernel.SlabObject{}, err
	}
	base, size := k.Mem.VmemmapBase(), uint64(t.Size())
	if base == 0 || size == 0 || sl < base || (sl-base)%size != 0 {
		return kernel.SlabObject{}, fmt.Errorf("%#x is not a struct slab in the memory map", sl)
	}
	pa := (sl - base) / size * uint64(k.Dump.PageSize())
	addr := k.DirectMapAddr(pa)
	for off := uint64(0); off < 4096 && addr != 0; off += 8 { // skip a red zone before the first object
		if o, ok := s.b.slab.ObjectAt(addr + off); ok {
			return o, nil
		}
	}
	return kernel.SlabObject{}, fmt.Errorf("slab %#x: its page %#x holds no object slab knows", sl, pa)
}
