package tui

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/kdx-dev/kdx/kernel"
	"github.com/kdx-dev/kdx/slab"
)

// The kmem -S and slab pages come from package slab (Slabs, Objects: it
// knows freelists, per-CPU slabs and hardening); the node partial lists
// are also walked with kernel.WalkList so that a broken link shows as a
// row of its own.

// maxListedSlabs bounds the slabs one partial-list walk follows.
const maxListedSlabs = 100000

func (s slabBackend) cache(name string) (*slab.Cache, error) {
	c, ok := s.b.slab.Cache(name)
	if !ok {
		return nil, fmt.Errorf("no slab cache %q", name)
	}
	return c, nil
}

// Slabs lists the cache's slabs: broken partial-list links first, then
// the node partial slabs, the per-CPU slabs and the full ones.
func (s slabBackend) Slabs(ctx context.Context, cache string) ([]SlabRow, error) {
	c, err := s.cache(cache)
	if err != nil {
		return nil, err
	}
	out, err := s.brokenPartialLinks(c)
	if err != nil {
		return out, err
	}
	infos, err := s.b.slab.Slabs(ctx, cache)
	if err != nil {
		return out, err
	}
	rows := make([]SlabRow, 0, len(infos))
	for _, in := range infos {
		rows = append(rows, SlabRow{Addr: in.Addr, Base: in.Base, Where: in.Where,
			InUse: int(in.InUse), Objects: int(in.Objects)})
	}
	sort.SliceStable(rows, func(i, j int) bool { return whereRank(rows[i].Where) < whereRank(rows[j].Where) })
	return append(out, rows...), nil
}

// whereRank orders slabs as kmem -S reads best: node partial lists, then
// the CPUs', then full slabs.
func whereRank(where string) int {
	switch {
	case strings.HasPrefix(where, "node"):
		return 0
	case strings.HasPrefix(where, "cpu"):
		return 1
	}
	return 2
}

// brokenPartialLinks walks the cache's node partial lists and returns a
// row for each broken link.
func (s slabBackend) brokenPartialLinks(c *slab.Cache) ([]SlabRow, error) {
	typ, member := s.b.slab.PartialListLink()
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
		for _, f := range r.Findings {
			out = append(out, SlabRow{Addr: f.Addr, Where: "BROKEN LIST: " + f.Kind, Bad: true})
		}
	}
	return out, nil
}

// Objects lists a slab's objects as package slab decodes them (free or
// allocated, freelist position), marking those its verification blames.
func (s slabBackend) Objects(sl uint64) ([]ObjectRow, error) {
	objs, findings, err := s.b.slab.Objects(sl)
	if err != nil {
		return nil, err
	}
	stride := uint64(1)
	if len(objs) > 1 {
		stride = objs[1].Addr - objs[0].Addr
	}
	out := make([]ObjectRow, 0, len(objs))
	for _, o := range objs {
		out = append(out, ObjectRow{Addr: o.Addr, Free: o.Free, FreeIndex: o.FreeIndex, Bad: blamed(findings, o.Addr, o.Addr+stride)})
	}
	return out, nil
}

// blamed says whether a finding names the object [start, end) or a word
// inside it (a bad free pointer is stored inside the object it leaves).
func blamed(findings []kernel.Finding, start, end uint64) bool {
	for _, f := range findings {
		if f.Object == start || (f.Addr >= start && f.Addr < end) {
			return true
		}
	}
	return false
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
