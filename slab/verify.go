package slab

import (
	"fmt"

	"github.com/kdx-dev/kdx/kernel"
)

// slabJob is one slab to verify, with what the lists said about it.
type slabJob struct {
	c   *Cache
	idx int32 // into memmap.slabs
	loc location
	cpu cpuSlabRef // when loc == cpuSlab
}

// slabOutcome is what verifying one slab found; counters are summed per
// cache and node by the caller.
type slabOutcome struct {
	objects, inuse, free, cpuFree uint64
	findings                      []kernel.Finding
}

// scratch is one worker's reusable memory: no allocation per slab.
type scratch struct {
	mark []uint8
	data []byte
}

// maxSlabBytes caps the slab read (order 10 with 4 KiB pages).
const maxSlabBytes = 4 << 20

// verifySlab runs mm/slub.c's check_slab, check_valid_pointer and
// on_freelist on one slab, plus the cross-checks SLUB does not make: the
// per-CPU freelist against the slab's, and the frozen state against where
// the slab was found.
//
// With withData the slab's bytes are read even when no freelist needs
// them (left in sc for the caller); with sus the allocated objects vote in
// the outlier scan.
func (s *SLUB) verifySlab(j slabJob, r *slabRec, sc *scratch, withData bool, sus *suspectScan) slabOutcome {
	l, c := s.lay, j.c
	sl := l.slabOfPFN(r.pfn)
	inuse, objects, frozen := l.inuse.get(r.counters), l.objects.get(r.counters), l.frozen.get(r.counters)
	out := slabOutcome{objects: objects, inuse: inuse}
	bad := func(kind, exp, found string, addr uint64) {
		out.findings = append(out.findings, kernel.Finding{Kind: kind, Severity: kernel.Corrupt, Addr: addr,
			Cache: c.Name, Slab: sl, Path: fmt.Sprintf("%s -> slab %#x", c.Path, sl), Expected: exp, Found: found})
	}
	slabBytes := l.page << r.order
	maxObj := slabBytes / c.Size
	if objects == 0 || objects > maxObj || inuse > objects {
		bad(kernel.KindBadSlabCounters, fmt.Sprintf("0 < objects <= %d (order %d) and inuse <= objects", maxObj, r.order),
			fmt.Sprintf("objects %d inuse %d", objects, inuse), sl+l.counters)
		return out
	}
	s.checkFrozen(j, frozen, bad, sl)
	if j.loc == unlisted && frozen == 0 && inuse < objects {
		bad(kernel.KindSlabNotListed, "a slab with free objects on its node's partial list", fmt.Sprintf("inuse %d of %d, on no list", inuse, objects), sl+l.list)
	}
	v := slabView{base: l.base(r.pfn), objects: objects, size: c.Size, offset: c.Offset, redLeft: c.RedLeftPad, random: c.Random}
	needData := withData || r.freelist != 0 || (j.loc == cpuSlab && j.cpu.freelist != 0)
	if needData && slabBytes <= uint64(len(sc.data)) {
		if _, err := s.k.Dump.ReadPhys(sc.data[:slabBytes], r.pfn*l.page); err != nil {
			out.findings = append(out.findings, kernel.Finding{Kind: kernel.KindUnreadable, Severity: kernel.Warning,
				Addr: v.base, Cache: c.Name, Slab: sl, Path: fmt.Sprintf("%s -> slab %#x", c.Path, sl), Found: err.Error()})
			return out
		}
		v.data = sc.data[:slabBytes]
	}
	mark := sc.mark[:objects]
	clear(mark)
	w := v.walkFreelist(r.freelist, sl+l.freelist, mark, 1, l.hardened, s.swab)
	out.free = w.count
	s.freelistFindings(w, &v, bad, "slab freelist")
	if w.complete && w.count != objects-inuse {
		bad(kernel.KindFreeCountMismatch, fmt.Sprintf("%d free objects (objects %d - inuse %d)", objects-inuse, objects, inuse),
			fmt.Sprintf("%d on the freelist", w.count), sl+l.counters)
	}
	known := w.complete
	if j.loc == cpuSlab && j.cpu.freelist != 0 {
		cw := v.walkFreelist(j.cpu.freelist, j.cpu.headAt, mark, 2, l.hardened, s.swab)
		out.cpuFree = cw.count
		s.freelistFindings(cw, &v, bad, fmt.Sprintf("cpu %d freelist", j.cpu.cpu))
		known = known && cw.complete
	}
	// Only a slab whose freelists were walked to the end says which of its
	// objects are allocated; the outlier scan must not read free ones.
	if sus != nil && v.data != nil && known {
		s.collectSuspect(sus, j.c, &v, mark)
	}
	return out
}

// freelistFindings turns a walk's stop into a finding.
func (s *SLUB) freelistFindings(w walkResult, v *slabView, bad func(kind, exp, found string, addr uint64), which string) {
	switch {
	case w.complete || w.badAt == 0:
	case w.other:
		bad(kernel.KindDoubleFree, "an object on one freelist only", fmt.Sprintf("%#x on both the slab and the per-CPU freelist (%s)", w.bad, which), w.badAt)
	case w.cycle:
		bad(kernel.KindFreelistCycle, "a freelist ending in NULL", fmt.Sprintf("%#x again after %d objects (%s)", w.bad, w.count, which), w.badAt)
	default:
		bad(kernel.KindBadFreelistPointer,
			fmt.Sprintf("an object start in [%#x, %#x) on a %d-byte boundary", v.base, v.base+v.objects*v.size, v.size),
			fmt.Sprintf("%#x (stored %#x) after %d objects (%s)", w.bad, w.stored, w.count, which), w.badAt)
	}
}

// checkFrozen compares the frozen bit with where the slab was found: the
// active and per-CPU partial slabs are frozen (6.1), node partial and full
// slabs are not.
func (s *SLUB) checkFrozen(j slabJob, frozen uint64, bad func(kind, exp, found string, addr uint64), sl uint64) {
	want := uint64(0)
	if j.loc == cpuSlab || j.loc == cpuPartial {
		want = 1
	}
	if j.loc == unlisted && frozen == 1 {
		return // a slab being handed between lists; only listed slabs are judged
	}
	if frozen != want {
		bad(kernel.KindFrozenMismatch, fmt.Sprintf("frozen=%d for a slab on %s", want, j.loc), fmt.Sprintf("frozen=%d", frozen), sl+s.lay.counters)
	}
}
