package kernel

import (
	"fmt"
	"sync"

	"github.com/kdx-dev/kdx/dwarf"
	"github.com/kdx-dev/kdx/vmcore"
)

// Kernel is a crashed kernel: its dump, its vmlinux, and its virtual
// memory. Methods are safe for concurrent use; walks that are expensive
// (tasks, modules) are computed once and cached.
type Kernel struct {
	Dump *vmcore.Dump
	Bin  *dwarf.Binary
	Mem  Memory             // kernel virtual memory (a *vmcore.KernelMemory)
	Info *vmcore.VMCoreInfo // nil when the dump carries no VMCOREINFO

	modPaths []string // extra directories for module .ko files

	warnMu   sync.Mutex
	warnings []string

	memoMu sync.Mutex
	memos  map[string]*memo

	// objectInfo, when set (the slab package does), says what slab object
	// an address is in; whatis uses it.
	objectInfo func(addr uint64) (SlabObject, bool)
}

// memo is one cached result of an expensive walk.
type memo struct {
	once sync.Once
	val  any
	err  error
}

// cached runs fn once per key for the Kernel's lifetime and returns its
// result to every caller, so that each feature (tasks, modules, log) can
// cache its walk without a field of its own here.
func (k *Kernel) cached(key string, fn func() (any, error)) (any, error) {
	k.memoMu.Lock()
	if k.memos == nil {
		k.memos = map[string]*memo{}
	}
	m := k.memos[key]
	if m == nil {
		m = &memo{}
		k.memos[key] = m
	}
	k.memoMu.Unlock()
	m.once.Do(func() { m.val, m.err = fn() })
	return m.val, m.err
}

// Options say what the caller knows beyond the dump itself.
type Options struct {
	Vmlinux     string   // path; "" finds it by build-id, then release
	KASLROffset uint64   // used when the dump has no VMCOREINFO
	HasKASLR    bool     // KASLROffset was given
	ModPaths    []string // extra directories for module .ko files

	// Progress, when set, hears how the vmlinux's DWARF index build is
	// going (bytes done, in all) on a cold open; see dwarf.OpenOptions.
	Progress func(done, total uint64)
}

// Open opens a dump (one file, or the parts of a split dump) with its
// vmlinux, checks that they belong together, and sets up kernel virtual
// memory with the KASLR offset.
func Open(dumps []string, opt Options) (*Kernel, error) {
	d, err := vmcore.Open(dumps...)
	if err != nil {
		return nil, err
	}
	k, err := Attach(d, opt)
	if err != nil {
		d.Close()
		return nil, err
	}
	return k, nil
}

// Attach is Open for a dump already opened (ReadEarly may have read it
// meanwhile): it finds and opens the vmlinux and sets up memory. On error
// the dump stays open, the caller's to close; on success the Kernel owns
// it.
func Attach(d *vmcore.Dump, opt Options) (*Kernel, error) {
	k := &Kernel{Dump: d, Info: d.VMCoreInfo(), modPaths: opt.ModPaths}
	buildID, release := "", ""
	if k.Info != nil {
		buildID, release = k.Info.BuildID(), k.Info.OSRelease()
	} else {
		k.warnf("%s has no VMCOREINFO: the vmlinux cannot be checked against it", d.Paths()[0])
	}
	path := opt.Vmlinux
	if path == "" {
		p, err := dwarf.FindVmlinux(buildID, release)
		if err != nil {
			return nil, fmt.Errorf("finding the vmlinux for %s (release %q, build-id %q): %w; name it after the dump", d.Paths()[0], release, buildID, err)
		}
		path = p
	}
	b, err := dwarf.OpenWith(path, dwarf.OpenOptions{Progress: opt.Progress})
	if err != nil {
		return nil, err
	}
	if err := b.CheckMatch(buildID, release); err != nil {
		b.Close()
		return nil, err
	}
	k.Bin = b
	if err := k.setupMemory(opt); err != nil {
		b.Close()
		return nil, err
	}
	return k, nil
}

// setupMemory finds the KASLR offset and builds the virtual memory view:
// VMCOREINFO's KERNELOFFSET, else the caller's --kaslr-offset, else what
// vmcore derives from the page tables (where _text is mapped).
func (k *Kernel) setupMemory(opt Options) error {
	off, ok := uint64(0), false
	if k.Info != nil {
		off, ok = k.Info.KernelOffset()
	}
	if !ok && opt.HasKASLR {
		off, ok = opt.KASLROffset, true
	}
	cfg := vmcore.KernelConfig{KASLROffset: off, HasKASLROffset: ok}
	cfg.PageOffsetBaseSym = k.linkAddr("page_offset_base")
	cfg.VmallocBaseSym = k.linkAddr("vmalloc_base")
	cfg.VmemmapBaseSym = k.linkAddr("vmemmap_base")
	cfg.InitTopPgtSym = k.linkAddr("init_top_pgt")
	cfg.TextSym = k.linkAddr("_text")
	m, err := vmcore.NewKernelMemory(k.Dump, cfg)
	if err != nil {
		if !ok {
			return fmt.Errorf("%w (the dump has no KERNELOFFSET in VMCOREINFO: give it with --kaslr-offset)", err)
		}
		return err
	}
	k.Bin.SetKASLROffset(m.KASLROffset())
	if !ok {
		k.warnf("no KERNELOFFSET in VMCOREINFO: using KASLR offset %#x from %s", m.KASLROffset(), m.KASLRSource())
	}
	k.Mem = m
	return nil
}

// linkAddr is a vmlinux symbol's link-time address (0 when absent), which
// is what vmcore.KernelConfig wants.
func (k *Kernel) linkAddr(name string) uint64 {
	a, ok := k.Bin.Symbol(name)
	if !ok {
		return 0
	}
	return a - k.Bin.KASLROffset()
}

// Close releases the dump and the vmlinux.
func (k *Kernel) Close() error {
	err := k.Dump.Close()
	if k.Bin != nil {
		if e := k.Bin.Close(); err == nil {
			err = e
		}
	}
	return err
}

func (k *Kernel) warnf(format string, args ...any) {
	k.warnMu.Lock()
	defer k.warnMu.Unlock()
	k.warnings = append(k.warnings, fmt.Sprintf(format, args...))
}

// Warnings are the non-fatal oddities of the dump, its memory and the
// kernel layer.
func (k *Kernel) Warnings() []string {
	w := append([]string(nil), k.Dump.Warnings()...)
	if k.Mem != nil {
		w = append(w, k.Mem.Warnings()...)
	}
	k.warnMu.Lock()
	defer k.warnMu.Unlock()
	return append(w, k.warnings...)
}
