package tui

import (
	"context"

	"github.com/kdx-dev/kdx/kernel"
)

// Backend is everything the browser asks of a dump. It is an interface so
// that every view can be built and Update-tested over a fake before (and
// independently of) the real kernel and slab code; KernelBackend is the
// real one. Every method may be slow: the browser calls them only from
// tea.Cmds, never from Update or View.
type Backend interface {
	Sys() (*kernel.Sys, error)
	Log() (*kernel.Log, error)
	Tasks() (*kernel.TaskList, error)
	Backtrace(t *kernel.Task) (*kernel.Backtrace, error)
	Modules() ([]kernel.Module, error)
	// Struct prints the object of type typ at addr like crash's struct -o.
	Struct(typ string, addr uint64) (string, error)
	ReadBytes(addr uint64, n int) ([]byte, error)
	Symbolize(addr uint64) (string, bool)
	// Lookup is a symbol's address (vmlinux or a loaded module).
	Lookup(name string) (uint64, error)
	// Whatis says what addr is and how to show it.
	Whatis(addr uint64) (Whatis, error)
	// ListStepper starts a hand walk of the list c names.
	ListStepper(c Command) (ListStepper, error)
	// Slab is nil when slab verification is not available.
	Slab() SlabBackend
	// Refs finds every word in memory that points at addr (or into the
	// object holding it); span is a hint of the object's size.
	Refs(ctx context.Context, addr, span uint64) ([]kernel.Ref, error)
	// Search finds every word in memory equal to value.
	Search(ctx context.Context, value uint64) ([]kernel.Ref, error)
	// Export writes the markdown report with the session's findings and
	// bookmarks.
	Export(path string, force bool, s Session) error
}

// Session is what the browser adds to a report: what the user found.
type Session struct {
	Findings  []kernel.Finding
	Bookmarks []Bookmark
	// Types are the types the user showed objects as (a list walked with
	// -s TYPE), by object address: a kmalloc object has no type of its own.
	Types map[uint64]string
}

// Bookmark is an address the user marked, with a note.
type Bookmark struct {
	Addr uint64
	Note string
	What string // the view it was marked in, e.g. "struct kdx_obj 0x..."
}

// Whatis is what an address is.
type Whatis struct {
	Addr uint64
	Desc []string // lines of description, sanitized
	Type string   // the type to show it as ("struct task_struct"), or ""
	Obj  uint64   // start of the object of Type
	Size uint64   // the object's size when known (a slab object's stride)
	Slab uint64   // the struct slab holding it, 0 when not a slab object
	Bad  bool     // the address is inside a damaged object
}

// ListStepper walks a list one entry at a time (kernel.ListWalker).
type ListStepper interface {
	Next() (kernel.ListEntry, bool)
	Findings() []kernel.Finding
	Complete() bool
	Done() bool
}

// CacheRow is one line of slabinfo.
type CacheRow struct {
	Name       string
	Addr       uint64 // struct kmem_cache *
	ObjSize    uint64
	Size       uint64 // stride
	Active     uint64 // allocated objects
	Total      uint64
	Slabs      uint64
	MemBytes   uint64
	ObjectType string // "struct kdx_obj" when known
}

// SlabRow is one slab of a cache.
type SlabRow struct {
	Addr    uint64 // struct slab *
	Base    uint64 // first object
	Where   string // "cpu0", "partial", "full", "node0 partial"
	InUse   int
	Objects int
	Bad     bool
}

// ObjectRow is one object of a slab.
type ObjectRow struct {
	Addr      uint64
	Free      bool
	FreeIndex int // position on the freelist (0 = head), -1 when allocated
	Bad       bool
}

// SlabBackend is the slab side of the browser (package slab).
type SlabBackend interface {
	Slabinfo() ([]CacheRow, error)
	// Slabs lists a cache's slabs; it stops when ctx is cancelled.
	Slabs(ctx context.Context, cache string) ([]SlabRow, error)
	Objects(slab uint64) ([]ObjectRow, error)
	// Check verifies one cache ("" for all), calling progress with done
	// and total units of work and found with each finding as it is made.
	// It returns when done or when ctx is cancelled.
	Check(ctx context.Context, cache string, progress func(done, total int), found func(kernel.Finding)) error
}
