package kernel

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kdx-dev/kdx/dwarf"
)

// DefaultListMax bounds a list walk when the caller gives no bound: long
// enough for any real kernel list, short enough to end a corrupt one.
const DefaultListMax = 1 << 22

// ListOptions say how to walk a list: as bare list_head nodes, or as
// entries of Type linked through Member (crash's `list -s T -l M -H`).
type ListOptions struct {
	Type   string // container type, "struct kdx_node"; "" for bare nodes
	Member string // the list_head (or hlist_node) member of Type, "link"
	Hlist  bool   // head is a struct hlist_head, nodes struct hlist_node
	Max    int    // stop after this many entries; 0 means DefaultListMax
	Name   string // how findings name the list; default the head address
}

// ListEntry is one entry reached by a walk.
type ListEntry struct {
	Index int    // 0 for the first entry after the head
	Node  uint64 // the struct list_head / hlist_node
	Entry uint64 // the container (Node minus the member offset)
	Next  uint64 // Node's next pointer as read
	Prev  uint64 // Node's prev (hlist: pprev) pointer as read
	Size  uint64 // sizeof the node (struct list_head or hlist_node)
}

// ListResult is a whole walk: the entries in order, what was wrong, and
// whether the walk got back to the head (or, for an hlist, to NULL).
type ListResult struct {
	Head     uint64
	Entries  []ListEntry
	Findings []Finding
	Complete bool
}

// listLayout is where list_head and hlist_node keep their two pointers.
type listLayout struct {
	next, prev uint64 // list_head.next/prev, or hlist_node.next/pprev
	first      uint64 // hlist_head.first
	member     uint64 // offset of the member inside the container
	size       uint64 // sizeof the node type
}

func (k *Kernel) listLayout(opt ListOptions) (listLayout, error) {
	var l listLayout
	typ, nf, pf := "struct list_head", "next", "prev"
	if opt.Hlist {
		typ, pf = "struct hlist_node", "pprev"
		off, err := k.Bin.FieldOffset("struct hlist_head", "first")
		if err != nil {
			return l, err
		}
		l.first = off
	}
	var err error
	if l.next, err = k.Bin.FieldOffset(typ, nf); err != nil {
		return l, err
	}
	if l.prev, err = k.Bin.FieldOffset(typ, pf); err != nil {
		return l, err
	}
	sz, err := k.Bin.Sizeof(typ)
	if err != nil {
		return l, err
	}
	l.size = uint64(sz)
	if opt.Type == "" {
		return l, nil
	}
	t, err := k.Type(opt.Type)
	if err != nil {
		return l, fmt.Errorf("list entry type: %w", err)
	}
	// A value at address 0 without memory only computes the offset.
	m, err := dwarf.NewValue(t, 0, nil, opt.Type).Field(opt.Member)
	if err != nil {
		return l, fmt.Errorf("list member: %w", err)
	}
	l.member = m.Addr()
	return l, nil
}

// ListHead resolves a list head given as a symbol (vmlinux or a loaded
// module) or as a hex address.
func (k *Kernel) ListHead(spec string) (uint64, error) {
	if a, err := strconv.ParseUint(strings.TrimPrefix(spec, "0x"), 16, 64); err == nil && (strings.HasPrefix(spec, "0x") || len(spec) >= 8) {
		return a, nil
	}
	if a, ok := k.Bin.Symbol(spec); ok {
		return a, nil
	}
	if a, ok := k.moduleSymbol(spec); ok {
		return a, nil
	}
	return 0, fmt.Errorf("list head %q: no such symbol, and not a hex address", spec)
}

// moduleSymbol finds a loaded module's symbol by name: in the module
// debug info loaded by Modules, else in the modules' in-memory kallsyms.
func (k *Kernel) moduleSymbol(name string) (uint64, bool) {
	mods, err := k.Modules()
	for _, m := range k.Bin.Modules() {
		if a, ok := m.Symbol(name); ok {
			return a, true
		}
	}
	if err != nil {
		return 0, false
	}
	for i := range mods {
		for _, s := range k.kallsymsOf(&mods[i]) {
			if s.Name == name {
				return s.Addr, true
			}
		}
	}
	return 0, false
}

// WalkList walks a whole list from head, validating every link.
func (k *Kernel) WalkList(head uint64, opt ListOptions) (*ListResult, error) {
	w, err := k.NewListWalker(head, opt)
	if err != nil {
		return nil, err
	}
	r := &ListResult{Head: head}
	for {
		e, ok := w.Next()
		if !ok {
			break
		}
		r.Entries = append(r.Entries, e)
	}
	r.Findings = w.Findings()
	r.Complete = w.Complete()
	if !r.Complete && !opt.Hlist {
		w.walkBack(r)
	}
	return r, nil
}

// isListPoison reports the LIST_POISON1/2 pattern the kernel writes into
// a deleted entry (0xdead000000000100 and ...122 with x86-64's
// POISON_POINTER_DELTA); any 0xdead0000_0000xxxx value is treated as one.
func isListPoison(p uint64) bool { return p>>16 == 0xdead00000000 }
