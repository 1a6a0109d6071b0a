package vmcore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
)

// Dump is an open crash dump: one file, or the parts of a split dump. Its
// methods are safe for concurrent use, except that Close must not run
// while other calls are in progress (it unmaps the files).
type Dump struct {
	paths    []string
	maps     []*mapping
	format   string
	codecs   string
	mem      physMemory
	info     *VMCoreInfo
	cpus     []CPUState
	warnings []string
	pageSize int
	level    int
	hasLevel bool
	physBase uint64
	hasPB    bool
	incompl  bool
	elfVirt  []virtSeg // virtual PT_LOADs of an ELF dump (QEMU -p, /proc/vmcore)
	kd       *KdumpFile
	closed   atomic.Bool
}

// PhysRange is a half-open range [Start, End) of physical addresses.
type PhysRange struct {
	Start, End uint64
}

// PageFunc receives one present page: its physical address and its bytes,
// or the error that kept it from being read (then page is nil). A page is
// PageSize bytes at a page boundary, except at an ELF segment edge that is
// not page-aligned, where it is the part inside the segment. The slice is
// only valid during the call and must not be modified. A non-nil return
// stops the scan.
type PageFunc func(paddr uint64, page []byte, err error) error

// physMemory is what each format provides.
type physMemory interface {
	readPhys(p []byte, paddr uint64) (int, error)
	check(paddr uint64) error
	presentRanges() []PhysRange
	forEachPage(ctx context.Context, workers int, fn PageFunc) error
}

// Open opens a dump, recognising the format from its first bytes, never
// from the file name: ELF core (ET_CORE), kdump-compressed ("KDUMP   " or
// the old "DISKDUMP"), or makedumpfile's flattened stream. Several paths
// name the parts of a split kdump dump (in any order). The files are
// mmapped and only their headers and tables are read at open.
func Open(paths ...string) (*Dump, error) {
	if len(paths) == 0 {
		return nil, errors.New("vmcore: Open: no dump file given")
	}
	d := &Dump{paths: paths, level: -1}
	var err error
	if len(paths) == 1 {
		err = d.openOne(paths[0])
	} else {
		err = d.openSplit(paths)
	}
	if err != nil {
		d.unmap()
		return nil, err
	}
	d.finish()
	return d, nil
}

func (d *Dump) openOne(path string) error {
	m, err := mapFile(path)
	if err != nil {
		return err
	}
	return d.openMapping(m)
}

// openBytes opens an in-memory dump (fuzz targets).
func openBytes(name string, data []byte) (*Dump, error) {
	d := &Dump{paths: []string{name}, level: -1}
	if err := d.openMapping(&mapping{path: name, data: data}); err != nil {
		return nil, err
	}
	d.finish()
	return d, nil
}

func (d *Dump) openMapping(m *mapping) error {
	path := m.path
	d.maps = append(d.maps, m)
	switch detect(m.data) {
	case kindELF:
		return d.openELF(m)
	case kindKdump:
		return d.openKdump(m, rawSource(m))
	case kindFlat:
		src, err := newFlatSource(m, d.warn)
		if err != nil {
			return err
		}
		if err := d.openKdump(m, src); err != nil {
			return err
		}
		d.format = "flattened"
		return nil
	}
	return formatErr(path, 0, "signature", "not an ELF core, kdump-compressed or flattened dump", fmt.Sprintf("%q", printable(m.data, 16)))
}

// finish fills what every format derives the same way.
func (d *Dump) finish() {
	if d.pageSize == 0 {
		d.pageSize = 4096
		if d.info != nil {
			if ps, ok := d.info.PageSize(); ok {
				d.pageSize = ps
			}
		}
	}
	if d.info == nil {
		d.warn("no VMCOREINFO in the dump: the kernel offset (KASLR) must come from --kaslr-offset or be derived")
	}
	// VMCOREINFO is written by the crashed kernel itself; QEMU's kdump
	// sub-header phys_base is a guess (garbage on the fixture dumps).
	if d.info != nil {
		if n, ok := d.info.Number("phys_base"); ok {
			if d.hasPB && d.physBase != uint64(n) {
				d.warn("sub-header phys_base 0x%x differs from VMCOREINFO NUMBER(phys_base) 0x%x; using VMCOREINFO", d.physBase, uint64(n))
			}
			d.physBase, d.hasPB = uint64(n), true
		}
	}
}

func (d *Dump) warn(format string, args ...any) {
	if len(d.warnings) < maxWarnings {
		d.warnings = append(d.warnings, fmt.Sprintf(format, args...))
	}
}

const maxWarnings = 100

// Close unmaps the files. Reads after Close fail.
func (d *Dump) Close() error {
	if d.closed.Swap(true) {
		return nil
	}
	return d.unmap()
}

func (d *Dump) unmap() error {
	var first error
	for _, m := range d.maps {
		if err := m.close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Paths returns the file names the dump was opened from.
func (d *Dump) Paths() []string { return append([]string(nil), d.paths...) }

// Format is "elf", "kdump", "diskdump", "flattened" or "split kdump".
func (d *Dump) Format() string { return d.format }

// Compression names the page codecs the dump uses ("zlib", "lzo",
// "snappy", "zstd", "none", or several joined by "+"), as its header
// declares them; "" for ELF.
func (d *Dump) Compression() string { return d.codecs }

// PageSize is the dump's page size (kdump block size, VMCOREINFO PAGESIZE,
// or 4096).
func (d *Dump) PageSize() int { return d.pageSize }

// DumpLevel is makedumpfile's -d level, when the format records it.
func (d *Dump) DumpLevel() (int, bool) { return d.level, d.hasLevel }

// Incomplete reports whether the writer marked the dump incomplete (kdump
// INCOMPLETE status, ELF e_flags bit 0).
func (d *Dump) Incomplete() bool { return d.incompl }

// PhysBase is the kernel's phys_base (the physical load address of the
// kernel image minus its link-time offset), from the kdump sub-header or
// VMCOREINFO NUMBER(phys_base).
func (d *Dump) PhysBase() (uint64, bool) { return d.physBase, d.hasPB }

// Warnings are the non-fatal oddities found at open (overlapping segments,
// inconsistent headers, missing VMCOREINFO).
func (d *Dump) Warnings() []string { return append([]string(nil), d.warnings...) }

// VMCoreInfo is the kernel's VMCOREINFO note, or nil when the dump has none.
func (d *Dump) VMCoreInfo() *VMCoreInfo { return d.info }

// CPUs is the register state of each CPU, one per NT_PRSTATUS note, in
// note order, merged with QEMU's CPU-state notes (control registers) when
// present. The slice and its maps are shared: do not modify them.
func (d *Dump) CPUs() []CPUState { return d.cpus }

// Kdump gives the kdump-compressed layer of a single kdump or flattened
// dump (for tools that re-encode pages); nil for other formats.
func (d *Dump) Kdump() *KdumpFile { return d.kd }

// ReadPhys reads len(p) bytes of physical memory at paddr. On failure it
// returns the bytes read before the first failing page and an error
// (*ReadError) that names the cause: ErrNotInDump, ErrExcluded,
// ErrTruncated or ErrDecompress.
func (d *Dump) ReadPhys(p []byte, paddr uint64) (n int, err error) {
	if d.closed.Load() {
		return 0, errors.New("vmcore: read from a closed dump")
	}
	if paddr+uint64(len(p)) < paddr {
		return 0, &ReadError{Kind: ErrNotInDump, File: d.paths[0], Addr: paddr, Offset: -1, DumpLevel: -1, Detail: "range wraps the address space"}
	}
	defer restoreFaults(faultsAsPanics())
	defer catchFault(d.paths[0], paddr, &err)
	return d.mem.readPhys(p, paddr)
}

// CheckPhys says, from the dump's tables alone (nothing is decoded),
// whether the page holding paddr can be read: nil, or the *ReadError a
// read would give for a page that is not in the dump, excluded by the
// filter or past the truncation point. A stored page can still fail to
// decode.
func (d *Dump) CheckPhys(paddr uint64) (err error) {
	if d.closed.Load() {
		return errors.New("vmcore: check on a closed dump")
	}
	defer restoreFaults(faultsAsPanics())
	defer catchFault(d.paths[0], paddr, &err)
	return d.mem.check(paddr)
}

// Coverage counts pages: RAM the dump knows of, pages it stores, pages
// makedumpfile's filter excluded (RAM minus stored), and stored pages that
// cannot be read because the file ends first or (INCOMPLETE) their
// descriptor was never written. For ELF dumps, RAM is what the PT_LOADs
// cover and nothing is known to be excluded.
type Coverage struct {
	RAMPages, StoredPages, ExcludedPages, TruncatedPages uint64
}

// Coverage says how much of memory the dump holds. It reads the kdump
// page descriptor table once (24 bytes a page).
func (d *Dump) Coverage() (c Coverage) {
	defer restoreFaults(faultsAsPanics())
	defer func() {
		if r := recover(); r != nil {
			if _, fault := r.(interface{ Addr() uintptr }); !fault {
				panic(r)
			}
			c.TruncatedPages = c.StoredPages // the file shrank while open
		}
	}()
	if k, ok := d.mem.(*kdumpMem); ok {
		return k.coverage()
	}
	e := d.mem.(*elfMem)
	ps := uint64(d.pageSize)
	for _, s := range e.segs {
		n := (s.end - s.start + ps - 1) / ps
		c.RAMPages += n
		c.StoredPages += n
		fileEnd := uint64(s.fileOff) + s.fileSz
		if have := uint64(len(e.m.data)); fileEnd > have {
			missing := min(fileEnd-max(have, uint64(s.fileOff)), s.fileSz)
			c.TruncatedPages += (missing + ps - 1) / ps
		}
	}
	return c
}

// PresentRanges lists the physical ranges whose pages the dump holds, in
// ascending address order, adjacent ranges merged.
func (d *Dump) PresentRanges() []PhysRange { return d.mem.presentRanges() }

// ForEachPage calls fn for every present page, handing out pages in file
// order to workers goroutines (0 means one per CPU): fn runs concurrently
// and must be safe for that. A page that fails to read is passed to fn
// with its error, so one corrupt page need not end a whole-memory scan.
// The first error fn returns stops the scan and is returned; so does ctx's.
func (d *Dump) ForEachPage(ctx context.Context, workers int, fn PageFunc) error {
	if d.closed.Load() {
		return errors.New("vmcore: scan of a closed dump")
	}
	return d.mem.forEachPage(ctx, workersOrCPUs(workers), fn)
}

// exists reports whether a path can be opened (used to give a clear error
// for a missing split part before mapping anything).
func exists(path string) error {
	_, err := os.Stat(path)
	return err
}
