package kernel

import "fmt"

// ListWalker steps through a list one entry at a time, validating each
// link as it goes; the browser walks lists by hand with it. It never loops
// forever: a cycle is found by Brent's algorithm and every walk is bounded.
type ListWalker struct {
	k        *Kernel
	head     uint64
	opt      ListOptions
	lay      listLayout
	cur      uint64 // the node whose next is followed next
	idx      int
	done     bool
	complete bool
	findings []Finding

	// Brent's cycle detection over node addresses.
	tortoise   uint64
	power, lam int
}

// NewListWalker starts a walk at head (a struct list_head, or a struct
// hlist_head when opt.Hlist). It fails only when the layout is unknown.
func (k *Kernel) NewListWalker(head uint64, opt ListOptions) (*ListWalker, error) {
	lay, err := k.listLayout(opt)
	if err != nil {
		return nil, err
	}
	if opt.Max <= 0 {
		opt.Max = DefaultListMax
	}
	if opt.Name == "" {
		opt.Name = fmt.Sprintf("list %#x", head)
	}
	w := &ListWalker{k: k, head: head, opt: opt, lay: lay, cur: head, tortoise: head, power: 1}
	if opt.Hlist {
		w.cur = 0
	}
	return w, nil
}

// Findings are the problems met so far.
func (w *ListWalker) Findings() []Finding { return append([]Finding(nil), w.findings...) }

// Complete reports whether the walk reached the head again (hlist: NULL).
func (w *ListWalker) Complete() bool { return w.complete }

// Done reports whether Next will return no more entries.
func (w *ListWalker) Done() bool { return w.done }

// Next returns the next entry, or ok false when the walk has ended (back
// at the head, or stopped by a broken link, which is then a finding).
func (w *ListWalker) Next() (ListEntry, bool) {
	if w.done {
		return ListEntry{}, false
	}
	if w.idx >= w.opt.Max {
		w.stop(Finding{Kind: KindListTooLong, Severity: Warning, Addr: w.cur,
			Expected: fmt.Sprintf("at most %d entries", w.opt.Max), Found: "more"})
		return ListEntry{}, false
	}
	if w.opt.Hlist {
		return w.nextHlist()
	}
	return w.nextList()
}

func (w *ListWalker) stop(f Finding) {
	if f.Path == "" {
		f.Path = w.path()
	}
	w.findings = append(w.findings, f)
	w.done = true
}

func (w *ListWalker) add(f Finding) {
	if f.Path == "" {
		f.Path = w.path()
	}
	w.findings = append(w.findings, f)
}

func (w *ListWalker) path() string {
	if w.cur == w.head || w.cur == 0 {
		return w.opt.Name + " -> head"
	}
	return fmt.Sprintf("%s -> #%d %#x", w.opt.Name, w.idx-1, w.cur-w.lay.member)
}

// object is the container of node, for findings.
func (w *ListWalker) object(node uint64) uint64 {
	if node == w.head || node == 0 {
		return 0
	}
	return node - w.lay.member
}

// checkPointer reports a next value that cannot be followed.
func (w *ListWalker) checkPointer(from, p uint64) bool {
	f := Finding{Severity: Corrupt, Addr: from, Object: w.object(from - w.lay.next),
		Found: fmt.Sprintf("%#x", p)}
	switch {
	case isListPoison(p):
		f.Kind, f.Expected = KindListPoison, "a live entry (this one was deleted: LIST_POISON)"
	case p == 0 && !w.opt.Hlist:
		f.Kind, f.Expected = KindListBadNext, "a list_head, found NULL"
	case p%8 != 0:
		f.Kind, f.Expected = KindListMisaligned, "an 8-byte aligned list node"
	default:
		return true
	}
	w.stop(f)
	return false
}

// brent advances the cycle detector to node and reports a cycle.
func (w *ListWalker) brent(node uint64) bool {
	if w.power == w.lam {
		w.tortoise, w.power, w.lam = node, w.power*2, 0
		return false
	}
	w.lam++
	return node == w.tortoise
}

func (w *ListWalker) nextList() (ListEntry, bool) {
	k, l := w.k, w.lay
	nextAddr := w.cur + l.next
	next, err := k.ReadU64(nextAddr)
	if err != nil {
		w.stop(Finding{Kind: KindUnreadable, Severity: Warning, Addr: nextAddr, Object: w.object(w.cur), Found: err.Error()})
		return ListEntry{}, false
	}
	if !w.checkPointer(nextAddr, next) {
		return ListEntry{}, false
	}
	if next == w.head {
		w.closeList()
		return ListEntry{}, false
	}
	prev, err := k.ReadU64(next + l.prev)
	if err != nil {
		w.stop(Finding{Kind: KindListBadNext, Severity: Corrupt, Addr: nextAddr, Object: w.object(w.cur),
			Expected: "a readable list node", Found: fmt.Sprintf("%#x (%v)", next, err)})
		return ListEntry{}, false
	}
	if prev != w.cur && !w.blame(nextAddr, next, prev) {
		return ListEntry{}, false
	}
	if w.brent(next) {
		w.stop(Finding{Kind: KindListCycle, Severity: Corrupt, Addr: nextAddr, Object: w.object(w.cur),
			Expected: "the list to return to its head", Found: fmt.Sprintf("%#x, already visited", next)})
		return ListEntry{}, false
	}
	w.cur = next
	e := ListEntry{Index: w.idx, Node: next, Entry: next - l.member, Prev: prev, Size: l.size}
	e.Next, _ = k.ReadU64(next + l.next)
	w.idx++
	return e, true
}

// closeList checks the head's prev when the walk comes back to the head.
func (w *ListWalker) closeList() {
	w.done, w.complete = true, true
	hp, err := w.k.ReadU64(w.head + w.lay.prev)
	if err == nil && hp != w.cur {
		w.add(Finding{Kind: KindListBadPrev, Severity: Corrupt, Addr: w.head + w.lay.prev,
			Expected: fmt.Sprintf("%#x (the last entry)", w.cur), Found: fmt.Sprintf("%#x", hp)})
	}
}

// blame decides, when cur->next->prev != cur, which of the two words is
// wrong: a next pointing back into the list is a cycle; a next whose own
// forward link is sound means next->prev was damaged (the walk goes on);
// otherwise cur->next itself is bad and the walk stops.
func (w *ListWalker) blame(nextAddr, next, prev uint64) bool {
	exp, found := fmt.Sprintf("%#x", w.cur), fmt.Sprintf("%#x", prev)
	if i, ok := w.visited(next); ok {
		w.stop(Finding{Kind: KindListCycle, Severity: Corrupt, Addr: nextAddr, Object: w.object(w.cur),
			Expected: "a new entry or the head", Found: fmt.Sprintf("%#x, entry #%d again", next, i)})
		return false
	}
	if w.soundForward(next) {
		w.add(Finding{Kind: KindListBadPrev, Severity: Corrupt, Addr: next + w.lay.prev, Object: w.object(next),
			Expected: exp + " (the previous entry)", Found: found, Path: fmt.Sprintf("%s -> #%d %#x", w.opt.Name, w.idx, next-w.lay.member)})
		return true
	}
	w.stop(Finding{Kind: KindListBadNext, Severity: Corrupt, Addr: nextAddr, Object: w.object(w.cur),
		Expected: "a node whose prev points back here", Found: fmt.Sprintf("%#x (its prev is %s)", next, found)})
	return false
}

// soundForward reports whether node->next->prev == node.
func (w *ListWalker) soundForward(node uint64) bool {
	n, err := w.k.ReadU64(node + w.lay.next)
	if err != nil || isListPoison(n) || n%8 != 0 {
		return false
	}
	p, err := w.k.ReadU64(n + w.lay.prev)
	return err == nil && p == node
}

// visited reports whether node was already reached, by walking again from
// the head; it runs only on a broken link, so the walk stays linear.
func (w *ListWalker) visited(node uint64) (int, bool) {
	cur := w.head
	for i := 0; i < w.idx; i++ {
		n, err := w.k.ReadU64(cur + w.lay.next)
		if err != nil {
			return 0, false
		}
		if n == node {
			return i, true
		}
		cur = n
	}
	return 0, false
}

// nextHlist steps an hlist: first from the head, then next until NULL,
// checking that each node's pprev points at the word that led to it.
func (w *ListWalker) nextHlist() (ListEntry, bool) {
	k, l := w.k, w.lay
	from := w.head + l.first
	if w.cur != 0 {
		from = w.cur + l.next
	}
	next, err := k.ReadU64(from)
	if err != nil {
		w.stop(Finding{Kind: KindUnreadable, Severity: Warning, Addr: from, Found: err.Error()})
		return ListEntry{}, false
	}
	if next == 0 {
		w.done, w.complete = true, true
		return ListEntry{}, false
	}
	if !w.checkPointer(from, next) {
		return ListEntry{}, false
	}
	pprev, err := k.ReadU64(next + l.prev)
	if err != nil {
		w.stop(Finding{Kind: KindListBadNext, Severity: Corrupt, Addr: from, Expected: "a readable hlist node", Found: fmt.Sprintf("%#x (%v)", next, err)})
		return ListEntry{}, false
	}
	if pprev != from {
		w.add(Finding{Kind: KindListBadPrev, Severity: Corrupt, Addr: next + l.prev, Object: w.object(next),
			Expected: fmt.Sprintf("%#x", from), Found: fmt.Sprintf("%#x", pprev)})
	}
	if w.brent(next) {
		w.stop(Finding{Kind: KindListCycle, Severity: Corrupt, Addr: from, Found: fmt.Sprintf("%#x, already visited", next)})
		return ListEntry{}, false
	}
	w.cur = next
	e := ListEntry{Index: w.idx, Node: next, Entry: next - l.member, Prev: pprev}
	e.Next, _ = k.ReadU64(next + l.next)
	w.idx++
	return e, true
}
