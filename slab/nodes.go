package slab

import (
	"fmt"

	"github.com/kdx-dev/kdx/kernel"
)

// nodeState is what one kmem_cache_node says about its cache, and what
// its partial list walk found.
type nodeState struct {
	node       int
	addr       uint64
	nrPartial  uint64
	nrSlabs    uint64 // CONFIG_SLUB_DEBUG counters; hasCounts says if present
	totalObjs  uint64
	hasCounts  bool
	partial    []uint64 // slabs on the partial list, in order
	strays     []uint64 // linked struct slabs that lost PG_slab: counted, not verified
	complete   bool     // the partial walk got back to its head
	findings   []kernel.Finding
	listHeadAt uint64
}

// readNode reads kmem_cache_node n of c and walks its partial list,
// checking each link and that every entry is a slab page of c.
func (s *SLUB) readNode(c *Cache, n int, mm *memmap) *nodeState {
	ns := &nodeState{node: n, addr: c.Nodes[n]}
	if ns.addr == 0 {
		return ns
	}
	path := fmt.Sprintf("%s -> node[%d]", c.Path, n)
	v, err := s.k.Object("struct kmem_cache_node", ns.addr, path)
	if err != nil {
		ns.findings = append(ns.findings, kernel.Finding{Kind: kernel.KindUnreadable, Severity: kernel.Warning, Addr: ns.addr, Cache: c.Name, Path: path, Found: err.Error()})
		return ns
	}
	_ = readUint(v, "nr_partial", &ns.nrPartial)
	ns.hasCounts = readUint(v, "nr_slabs.counter", &ns.nrSlabs) == nil && readUint(v, "total_objects.counter", &ns.totalObjs) == nil
	f, err := v.Field("partial")
	if err != nil {
		return ns
	}
	ns.listHeadAt = f.Addr()
	s.walkPartial(c, ns, mm, path+".partial")
	return ns
}

// PartialListLink is how slabs are linked on a node partial list: the
// container type and its list_head member (struct slab.slab_list on 5.17+,
// struct page.lru before), for walking such a list with kernel.WalkList.
func (s *SLUB) PartialListLink() (typ, member string) {
	return s.lay.slabType, s.lay.listField
}

func (s *SLUB) walkPartial(c *Cache, ns *nodeState, mm *memmap, path string) {
	bound := int(ns.nrPartial) + len(mm.byCache[c.Addr]) + 16
	typ, member := s.PartialListLink()
	r, err := s.k.WalkList(ns.listHeadAt, kernel.ListOptions{Type: typ, Member: member, Name: path, Max: bound})
	if err != nil {
		ns.findings = append(ns.findings, kernel.Finding{Kind: kernel.KindUnreadable, Severity: kernel.Warning, Addr: ns.listHeadAt, Cache: c.Name, Path: path, Found: err.Error()})
		return
	}
	ns.complete = r.Complete
	seen := map[uint64]bool{}
	for _, f := range r.Findings {
		f.Cache = c.Name
		if f.Kind != kernel.KindUnreadable && f.Kind != kernel.KindListTooLong {
			f.Kind = kernel.KindBadSlabLink
			s.checkTarget(c, ns, f.Addr, path, seen)
		}
		f.Slab, f.Object = f.Object, 0
		ns.findings = append(ns.findings, f)
	}
	for _, e := range r.Entries {
		ns.partial = append(ns.partial, e.Entry)
		if f, ok := s.notOurSlab(c, e.Entry, mm); ok && !seen[e.Entry] {
			seen[e.Entry] = true
			s.noteStray(ns, f)
			f.Path = fmt.Sprintf("%s -> #%d", path, e.Index)
			ns.findings = append(ns.findings, f)
		}
	}
}

// checkTarget looks at where a broken link points: when that is a struct
// slab that is not a slab of c (its flags or slab_cache damaged), the
// slab itself is reported, since that is where the damage is.
func (s *SLUB) checkTarget(c *Cache, ns *nodeState, wordAt uint64, path string, seen map[uint64]bool) {
	p, err := s.k.ReadU64(wordAt)
	if err != nil || p < s.lay.list {
		return
	}
	sl := p - s.lay.list
	if _, ok := s.lay.pfnOfSlab(sl); !ok || seen[sl] {
		return
	}
	mm := s.mm
	if f, ok := s.notOurSlab(c, sl, mm); ok {
		seen[sl] = true
		s.noteStray(ns, f)
		f.Path = path + fmt.Sprintf(" -> %#x", sl)
		ns.findings = append(ns.findings, f)
	}
}

// noteStray remembers a listed struct slab whose flags no longer say
// slab: the node counters still count it, so the counter check must too,
// or one damaged struct slab would also read as wrong counters.
func (s *SLUB) noteStray(ns *nodeState, f kernel.Finding) {
	if f.Kind == kernel.KindBadSlabLink && f.Addr == f.Slab {
		if _, ok := s.lay.pfnOfSlab(f.Slab); ok {
			ns.strays = append(ns.strays, f.Slab)
		}
	}
}

// notOurSlab checks that sl is the head page of a slab of c.
func (s *SLUB) notOurSlab(c *Cache, sl uint64, mm *memmap) (kernel.Finding, bool) {
	f := kernel.Finding{Kind: kernel.KindBadSlabLink, Severity: kernel.Corrupt, Addr: sl, Slab: sl, Cache: c.Name}
	pfn, ok := s.lay.pfnOfSlab(sl)
	if !ok {
		f.Expected, f.Found = "a struct slab in the memory map", fmt.Sprintf("%#x", sl)
		return f, true
	}
	i := mm.find(pfn)
	if i < 0 || mm.slabs[i].pfn != pfn {
		flags, _ := s.k.ReadU64(sl + s.lay.flags)
		f.Expected = "a slab page (PG_slab set) of " + c.Name
		f.Found = fmt.Sprintf("page flags %#x: not a slab page", flags)
		return f, true
	}
	if got := mm.slabs[i].cache; got != c.Addr {
		f.Kind, f.Addr = kernel.KindWrongCache, sl+s.lay.cache
		f.Expected, f.Found = fmt.Sprintf("slab_cache %#x (%s)", c.Addr, c.Name), fmt.Sprintf("%#x%s", got, s.cacheName(got))
		return f, true
	}
	return f, false
}

func (s *SLUB) cacheName(addr uint64) string {
	if c := s.byAddr[addr]; c != nil {
		return " (" + c.Name + ")"
	}
	return ""
}

// nodeOf is the NUMA node of a page frame: 0 on a one-node machine, else
// found from node_data[]'s spans.
func (s *SLUB) nodeOf(pfn uint64) int {
	if s.nodes <= 1 {
		return 0
	}
	for n, sp := range s.spans {
		if pfn >= sp[0] && pfn < sp[1] {
			return n
		}
	}
	return 0
}

func (s *SLUB) nodeSpans() [][2]uint64 {
	spans := make([][2]uint64, s.nodes)
	arr, err := s.k.Global("node_data")
	if err != nil {
		return spans
	}
	for n := range spans {
		e, err := arr.Index(n)
		if err != nil {
			continue
		}
		var start, span uint64
		if readUint(e, "node_start_pfn", &start) == nil && readUint(e, "node_spanned_pages", &span) == nil {
			spans[n] = [2]uint64{start, start + span}
		}
	}
	return spans
}
