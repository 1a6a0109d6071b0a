package kernel

import (
	"fmt"
	"slices"
)

// walkBack recovers the tail of a list whose forward walk stopped at a
// broken link, by following prev pointers from the head until it meets an
// entry the forward walk reached or another broken link. The entries it
// finds are appended to r in list order.
func (w *ListWalker) walkBack(r *ListResult) {
	seen := make(map[uint64]bool, len(r.Entries))
	for _, e := range r.Entries {
		seen[e.Node] = true
	}
	var tail []ListEntry
	cur := w.head
	for n := 0; n < w.opt.Max; n++ {
		prevAddr := cur + w.lay.prev
		p, err := w.k.ReadU64(prevAddr)
		if err != nil || p == w.head || seen[p] || isListPoison(p) || p%8 != 0 || p == 0 {
			break
		}
		pn, err := w.k.ReadU64(p + w.lay.next)
		if err != nil {
			break
		}
		if pn != cur {
			w.blameBack(r, cur, p, pn)
			break
		}
		tail = append(tail, ListEntry{Node: p, Entry: p - w.lay.member, Next: pn, Size: w.lay.size})
		cur = p
	}
	for i := len(tail) - 1; i >= 0; i-- {
		e := tail[i]
		e.Index = len(r.Entries)
		e.Prev, _ = w.k.ReadU64(e.Node + w.lay.prev)
		r.Entries = append(r.Entries, e)
	}
}

// blameBack decides, walking backwards, whether cur->prev or p->next is
// the damaged word when p->next != cur: p->next is blamed only when p is
// soundly linked behind and its next does not point back to it either.
func (w *ListWalker) blameBack(r *ListResult, cur, p, pn uint64) {
	f := Finding{Kind: KindListBadPrev, Severity: Corrupt, Addr: cur + w.lay.prev, Object: w.object(cur),
		Expected: fmt.Sprintf("a node whose next is %#x", cur), Found: fmt.Sprintf("%#x (its next is %#x)", p, pn),
		Path: fmt.Sprintf("%s -> (backwards) %#x", w.opt.Name, cur-w.lay.member)}
	if w.soundBackward(p) && !w.linked(pn, p) {
		f = Finding{Kind: KindListBadNext, Severity: Corrupt, Addr: p + w.lay.next, Object: w.object(p),
			Expected: fmt.Sprintf("%#x", cur), Found: fmt.Sprintf("%#x", pn),
			Path: fmt.Sprintf("%s -> (backwards) %#x", w.opt.Name, p-w.lay.member)}
	}
	if !slices.ContainsFunc(r.Findings, f.Same) {
		r.Findings = append(r.Findings, f)
	}
}

// soundBackward reports whether node->prev->next == node.
func (w *ListWalker) soundBackward(node uint64) bool {
	p, err := w.k.ReadU64(node + w.lay.prev)
	if err != nil || isListPoison(p) || p%8 != 0 {
		return false
	}
	n, err := w.k.ReadU64(p + w.lay.next)
	return err == nil && n == node
}

// linked reports whether next->prev == node.
func (w *ListWalker) linked(next, node uint64) bool {
	p, err := w.k.ReadU64(next + w.lay.prev)
	return err == nil && p == node
}
