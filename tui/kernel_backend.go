package tui

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/kdx-dev/kdx/dwarf"
	"github.com/kdx-dev/kdx/kernel"
	"github.com/kdx-dev/kdx/report"
	"github.com/kdx-dev/kdx/slab"
)

// KernelBackend is the Backend over a real dump.
type KernelBackend struct {
	K *kernel.Kernel

	slabOnce sync.Once
	slab     *slab.SLUB
	slabErr  error
}

// NewKernelBackend wraps an opened kernel.
func NewKernelBackend(k *kernel.Kernel) *KernelBackend { return &KernelBackend{K: k} }

func (b *KernelBackend) Sys() (*kernel.Sys, error)        { return b.K.Sys() }
func (b *KernelBackend) Log() (*kernel.Log, error)        { return b.K.Log() }
func (b *KernelBackend) Tasks() (*kernel.TaskList, error) { return b.K.Tasks() }
func (b *KernelBackend) Modules() ([]kernel.Module, error) {
	return b.K.Modules()
}
func (b *KernelBackend) Backtrace(t *kernel.Task) (*kernel.Backtrace, error) {
	return b.K.Backtrace(t)
}
func (b *KernelBackend) ReadBytes(addr uint64, n int) ([]byte, error) {
	return b.K.ReadBytes(addr, n)
}
func (b *KernelBackend) Symbolize(addr uint64) (string, bool) { return b.K.Symbolize(addr) }

// Lookup resolves a symbol of vmlinux or of a loaded module.
func (b *KernelBackend) Lookup(name string) (uint64, error) {
	b.K.Modules() // module symbols come with the modules
	return b.K.ListHead(name)
}

// Struct prints typ at addr with member offsets and symbolized pointers.
func (b *KernelBackend) Struct(typ string, addr uint64) (string, error) {
	b.K.Modules() // module types (struct kdx_obj) come with the modules' DWARF
	v, err := b.K.Object(typ, addr, fmt.Sprintf("(%s *)%#x", typ, addr))
	if err != nil {
		return "", err
	}
	return dwarf.Format(v, dwarf.FormatOptions{Offsets: true, Symbolize: b.K.Symbolize, MaxArray: 16})
}

// Whatis classifies addr (kernel.Whatis, with slab objects once slab is
// set up) and picks the type to show it as.
func (b *KernelBackend) Whatis(addr uint64) (Whatis, error) {
	b.slabs() // registers the slab resolver with the kernel
	w := b.K.Whatis(addr)
	out := Whatis{Addr: addr, Desc: []string{visible(w.Kind + ": " + w.Desc)}} // kernel sanitized Desc
	if w.HasPhy {
		out.Desc = append(out.Desc, fmt.Sprintf("physical %#x", w.Phys))
	}
	if t, ok := b.K.TaskByAddr(addr); ok && t.Addr == addr {
		out.Type, out.Obj = "struct task_struct", t.Addr
	}
	if so := w.Slab; so != nil {
		out.Slab = so.Slab
		state := "allocated"
		if !so.Known {
			state = "state unknown"
		} else if so.Free {
			state = "FREE"
		}
		if w.Kind != "slab" {
			out.Desc = append(out.Desc, fmt.Sprintf("slab object %#x of %s (+%#x, %s), slab %#x", so.Object, kernel.Sanitize(so.Cache, false), so.Offset, state, so.Slab))
		}
		out.Obj, out.Size = so.Object, so.Size
		if typ := b.cacheType(so.Cache); typ != "" {
			out.Type = typ
		}
	}
	if (w.Kind == "symbol" || w.Kind == "module") && w.Symbol != "" && out.Type == "" {
		out.Type, out.Obj = b.globalType(w.Symbol, addr)
	}
	if w.Kind == "page" && w.Page != 0 && out.Type == "" {
		out.Type, out.Obj = "struct page", w.Page
		if b.isSlabPage(w.Page) {
			out.Type, out.Slab = "struct slab", w.Page
			if !b.K.HasField("struct slab", "slab_cache") {
				out.Type = "struct page"
			}
		}
	}
	return out, nil
}

// cacheType guesses a cache's object type from its name, as people do:
// cache "kdx_obj" holds struct kdx_obj, "task_struct" struct task_struct.
// kmalloc caches have no single type.
func (b *KernelBackend) cacheType(cache string) string {
	if cache == "" || strings.HasPrefix(cache, "kmalloc") || strings.ContainsAny(cache, " -:()") {
		return ""
	}
	t := "struct " + cache
	if _, err := b.K.Type(t); err != nil {
		return ""
	}
	return t
}

// ListStepper starts a kernel.ListWalker on the command's head.
func (b *KernelBackend) ListStepper(c Command) (ListStepper, error) {
	b.K.Modules() // loads the modules' symbols and types: heads live there too
	head, err := b.K.ListHead(c.Arg)
	if err != nil {
		return nil, err
	}
	opt := kernel.ListOptions{Type: c.Type, Member: c.Member, Hlist: c.Hlist, Name: c.Arg}
	w, err := b.K.NewListWalker(head, opt)
	if err != nil {
		return nil, err
	}
	return &kernelStepper{ListWalker: w, k: b.K, head: head, opt: opt}, nil
}

// kernelStepper is a kernel.ListWalker that can also recover the part of
// a list behind a broken link (kernel.WalkList walks prev pointers back
// from the head when the forward walk stops).
type kernelStepper struct {
	*kernel.ListWalker
	k    *kernel.Kernel
	head uint64
	opt  kernel.ListOptions
}

// Rest is the entries after the first have of a whole-list walk, and its
// findings.
func (s *kernelStepper) Rest(have int) ([]kernel.ListEntry, []kernel.Finding, error) {
	r, err := s.k.WalkList(s.head, s.opt)
	if err != nil {
		return nil, nil, err
	}
	if have > len(r.Entries) {
		have = len(r.Entries)
	}
	return r.Entries[have:], r.Findings, nil
}

// refsPerFinding bounds the references a report keeps for each finding.
const refsPerFinding = 50

// maxRefs bounds the references one search keeps for the browser.
const maxRefs = 10000

// Refs finds the words pointing at addr, or into the slab object holding
// it (kernel.Refs), scanning all present memory.
func (b *KernelBackend) Refs(ctx context.Context, addr, span uint64) ([]kernel.Ref, error) {
	b.slabs() // so that refs target the whole slab object
	return b.K.Refs(ctx, kernel.RefTarget{Addr: addr}, kernel.SearchOptions{Max: maxRefs})
}

// Search finds the words equal to value, each classified.
func (b *KernelBackend) Search(ctx context.Context, value uint64) ([]kernel.Ref, error) {
	b.slabs()
	hits, err := b.K.Search(ctx, value, kernel.SearchOptions{Max: maxRefs})
	if err != nil {
		return nil, err
	}
	return b.K.Classify(hits), nil
}

func (b *KernelBackend) slabs() (*slab.SLUB, error) {
	b.slabOnce.Do(func() { b.slab, b.slabErr = slab.For(b.K) })
	return b.slab, b.slabErr
}

// Slab is the slab side; nil when the dump's SLUB cannot be read.
func (b *KernelBackend) Slab() SlabBackend {
	if _, err := b.slabs(); err != nil {
		return nil
	}
	return slabBackend{b}
}

// Export gathers the report and writes it atomically.
func (b *KernelBackend) Export(path string, force bool, s Session) error {
	in, err := report.Gather(b.K, b.ReportOptions(s))
	if err != nil {
		return err
	}
	return report.WriteFile(path, in, force)
}

// ReportOptions are the report's hooks into slab and whatis, with the
// session's findings and bookmarks.
func (b *KernelBackend) ReportOptions(s Session) report.Options {
	opt := report.Options{Findings: s.Findings, Now: time.Now,
		TypeOf: func(f kernel.Finding) (string, uint64, string, bool) {
			w, err := b.Whatis(f.Addr)
			if t, ok := s.Types[f.Object]; ok && w.Type == "" {
				w.Type, w.Obj = t, f.Object
			}
			return w.Type, w.Obj, strings.Join(w.Desc, "; "), err == nil
		},
		RefsTo: func(fs []kernel.Finding) error {
			return b.K.RefsTo(context.Background(), fs, refsPerFinding, kernel.SearchOptions{})
		},
	}
	for _, m := range s.Bookmarks {
		opt.Bookmarks = append(opt.Bookmarks, report.Bookmark{Addr: m.Addr, Note: m.Note, What: m.What})
	}
	if sl, err := b.slabs(); err == nil {
		opt.Slabinfo = func() ([]report.CacheLine, error) {
			info, err := sl.Slabinfo(context.Background())
			var out []report.CacheLine
			for _, i := range info {
				out = append(out, report.CacheLine{Name: i.Name, ObjSize: i.ObjSize, Active: i.Active, Total: i.Objects, Slabs: i.Slabs, MemBytes: i.Memory})
			}
			return out, err
		}
	}
	return opt
}

// globalType is the struct type of the global variable that starts at
// addr (sym is whatis's "name" or "name [module]"), so that following a
// pointer to a variable shows the variable.
func (b *KernelBackend) globalType(sym string, addr uint64) (string, uint64) {
	name, _, _ := strings.Cut(sym, " ")
	if name == "" || strings.Contains(name, "+") {
		return "", 0
	}
	v, err := b.K.Global(name)
	if err != nil || v.Addr() != addr || v.Type() == nil {
		return "", 0
	}
	t := v.Type().String()
	if !strings.HasPrefix(t, "struct ") && !strings.HasPrefix(t, "union ") {
		return "", 0
	}
	return t, addr
}

// isSlabPage says whether the struct page at pg describes a slab's first
// page, by asking slab about the memory it describes.
func (b *KernelBackend) isSlabPage(pg uint64) bool {
	if _, err := b.slabs(); err != nil {
		return false
	}
	o, err := slabBackend{b}.firstObject(pg)
	return err == nil && o.Slab == pg
}
