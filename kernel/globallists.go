package kernel

import (
	"context"
	"fmt"
	"slices"

	"github.com/kdx-dev/kdx/dwarf"
)

// GlobalLists is the result of walking every global list head.
type GlobalLists struct {
	Lists    int // heads walked
	Entries  int // nodes visited
	Unused   int // heads skipped as never initialised (both pointers NULL)
	Findings []Finding
}

// globalListMax bounds one global list's walk; a list longer than this is
// reported as too long, not walked for ever.
const globalListMax = 1 << 20

// CheckGlobalLists walks every global struct list_head of vmlinux and the
// loaded modules and verifies each link, as `kdx list` does for one list.
// A head is a data or bss symbol of the size of struct list_head whose
// DWARF variable at that very address has that type (names of static
// variables repeat across files; the address settles which one is meant).
// Heads in init memory, freed after boot, are left out, and so are heads
// never initialised (both pointers NULL: INIT_LIST_HEAD not yet run).
func (k *Kernel) CheckGlobalLists(ctx context.Context) (*GlobalLists, error) {
	size, err := k.Bin.Sizeof("struct list_head")
	if err != nil {
		return nil, err
	}
	if _, err := k.Modules(); err != nil { // loads the modules' DWARF
		k.warnf("global lists: modules: %v", err)
	}
	heads := k.globalListHeads(uint64(size))
	res := &GlobalLists{}
	for _, h := range heads {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		w := make([]byte, size)
		if _, err := k.Mem.ReadAt(w, h.addr); err != nil {
			res.Findings = append(res.Findings, Finding{Kind: KindUnreadable, Severity: Warning, Addr: h.addr,
				Path: "list head " + h.name, Found: err.Error()})
			continue
		}
		if !slices.ContainsFunc(w, func(b byte) bool { return b != 0 }) { // both pointers NULL
			res.Unused++
			continue
		}
		r, err := k.WalkList(h.addr, ListOptions{Name: h.name, Max: globalListMax})
		if err != nil {
			return res, fmt.Errorf("list %s: %w", h.name, err)
		}
		res.Lists++
		res.Entries += len(r.Entries)
		res.Findings = append(res.Findings, r.Findings...)
	}
	return res, nil
}

type listHead struct {
	name string
	addr uint64
}

// globalListHeads finds the candidate heads (see CheckGlobalLists).
func (k *Kernel) globalListHeads(size uint64) []listHead {
	initBegin, ok1 := k.Bin.Symbol("__init_begin")
	initEnd, ok2 := k.Bin.Symbol("__init_end")
	var heads []listHead
	k.Bin.DataSymbols(func(s dwarf.Sym) {
		if s.Size != size || ok1 && ok2 && s.Module == "" && s.Addr >= initBegin && s.Addr < initEnd {
			return
		}
		addr, t, err := k.varTypeName(s)
		if err != nil || addr != s.Addr || t != "struct list_head" {
			return
		}
		name := s.Name
		if s.Module != "" {
			name += " [" + s.Module + "]"
		}
		heads = append(heads, listHead{name, s.Addr})
	})
	return heads
}

// varOf is the DWARF variable a symbol names, looked up in its own
// binary (a module's static may share a name with a vmlinux global).
func (k *Kernel) varTypeName(s dwarf.Sym) (uint64, string, error) {
	if s.Module == "" {
		return k.Bin.VariableTypeName(s.Name)
	}
	for _, m := range k.Bin.Modules() {
		if m.Name() == s.Module {
			return m.VariableTypeName(s.Name)
		}
	}
	return 0, "", fmt.Errorf("module %s not loaded", s.Module)
}
