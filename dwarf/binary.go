package dwarf

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// Binary is an opened vmlinux: its ELF symbols, its DWARF name index and
// lazily decoded types, plus any modules loaded into it. All methods are
// safe for concurrent use.
type Binary struct {
	path    string
	ef      *elfFile
	dd      *debugData
	ix      *index
	syms    *symtab
	buildID string
	banner  string
	kaslr   atomic.Uint64

	progress func(done, total uint64) // of the index build; may be nil
	storing  sync.WaitGroup           // the index cache being written

	types typeCache

	modMu   sync.RWMutex
	modules []*Module
}

// Open maps a vmlinux and makes its symbols and types available. The DWARF
// name index comes from the on-disk cache when one matches the build-id,
// and is built (then cached) otherwise. A vmlinux without DWARF is an
// error that names the package to install.
func Open(path string) (*Binary, error) {
	return OpenWith(path, OpenOptions{})
}

// OpenOptions tune Open.
type OpenOptions struct {
	// Progress, when set, is called as the DWARF index is built, with the
	// bytes of .debug_info scanned so far and in all; it is not called
	// when the index comes from the cache. It is called from the scan's
	// goroutines, concurrently: keep it short.
	Progress func(done, total uint64)
}

// OpenWith is Open with options.
func OpenWith(path string, opt OpenOptions) (*Binary, error) {
	ef, err := openELF(path)
	if err != nil {
		return nil, err
	}
	b := &Binary{path: path, ef: ef, buildID: ef.buildID(), progress: opt.Progress}
	if err := b.load(); err != nil {
		ef.close()
		return nil, err
	}
	return b, nil
}

func (b *Binary) load() error {
	dd, err := debugSections(b.ef)
	if err != nil {
		return err
	}
	if dd == nil {
		b.banner = b.ef.banner()
		return b.noDebugInfo()
	}
	b.dd = dd
	b.types.init(dd)
	if b.loadCache() {
		b.types.ix = b.ix
		return nil
	}
	// The advice blocks while the kernel queues the reads (20-30 ms for
	// 160 MB), which the scan's first chunk need not wait for.
	go b.ef.prefetch(".debug_abbrev", ".symtab", ".strtab", ".debug_str", ".debug_info")
	if err := b.scan(); err != nil {
		return err
	}
	b.banner = b.symbolBanner()
	b.types.ix = b.ix
	// The cache is written while the caller goes on to read the dump;
	// Close waits for it.
	b.storing.Add(1)
	go func() {
		defer b.storing.Done()
		b.storeCache()
	}()
	return nil
}

// scan builds the DWARF index and reads the symbol table (on a cache miss).
func (b *Binary) scan() error {
	// The default GOGC: a higher one (200) saved no measurable time and
	// let the peak RSS of a cold open grow by 10-15 MB.
	var symErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the symbol table is independent of the DWARF scan
		defer wg.Done()
		b.syms, symErr = readSymtab(b.ef)
	}()
	b.dd.progress = b.progress
	ix, err := buildIndex(b.dd)
	b.dd.progress = nil
	wg.Wait()
	if err != nil {
		return err
	}
	if symErr != nil {
		return symErr
	}
	b.ix = ix
	return nil
}

func (b *Binary) noDebugInfo() error {
	rel := b.Release()
	pkg := "linux-image-<release>-dbg"
	if rel != "" {
		pkg = "linux-image-" + rel + "-dbg"
	}
	return fmt.Errorf("%s: %w (no .debug_info section): install %s (Debian) and use /usr/lib/debug/boot/vmlinux-%s, or name a vmlinux with debug info",
		b.path, ErrNoDebugInfo, pkg, orUnknown(rel))
}

func orUnknown(s string) string {
	if s == "" {
		return "<release>"
	}
	return s
}

// ErrNoDebugInfo is wrapped by errors about a binary without DWARF.
var ErrNoDebugInfo = errors.New("no DWARF debug info")

// debugSections collects the DWARF sections of an ELF file, or returns nil
// when it has no .debug_info. The unit headers are left to the caller
// (the cache may have them).
func debugSections(ef *elfFile) (*debugData, error) {
	d := &debugData{name: ef.path}
	for _, s := range []struct {
		name string
		dst  *[]byte
	}{
		{".debug_info", &d.info}, {".debug_abbrev", &d.abbrev}, {".debug_str", &d.str},
		{".debug_line_str", &d.lineStr}, {".debug_str_offsets", &d.strOff}, {".debug_addr", &d.addr},
		{".debug_line", &d.line}, {".debug_aranges", &d.aranges},
	} {
		b, err := ef.section(s.name)
		if err != nil {
			return nil, err
		}
		*s.dst = b
	}
	if len(d.info) == 0 {
		return nil, nil
	}
	d.infoAt = ef.sectionReader(".debug_info")
	return d, nil
}

// buildIndex scans all units and merges the result, turning a panic in the
// scan (a bug on some corrupt input) into an error.
func buildIndex(d *debugData) (ix *index, err error) {
	defer func() {
		if r := recover(); r != nil {
			ix, err = nil, recovered(d.name+": DWARF index", r)
		}
	}()
	parts, err := d.scanAll()
	if err != nil {
		return nil, err
	}
	return mergeIndex(parts), nil
}

// Close unmaps the file. Types and names already returned stay valid
// (they are on the heap); later type lookups fail with ErrClosed. Close
// must not race with lookups still running.
func (b *Binary) Close() error {
	b.storing.Wait() // the writer reads names from the mapping
	if b.dd != nil {
		b.dd.closed.Store(true)
	}
	return b.ef.close()
}

// ErrClosed is wrapped by lookups on a closed Binary.
var ErrClosed = errors.New("binary closed")

// Path is the file the Binary was opened from.
func (b *Binary) Path() string { return b.path }

// BuildID is the GNU build-id in hex, or "" when the file has none.
func (b *Binary) BuildID() string { return b.buildID }

// Banner is the "Linux version ..." string found in .rodata (linux_banner).
func (b *Binary) Banner() string { return b.banner }

// Release is the kernel release from the banner ("6.1.0-56-cloud-amd64").
func (b *Binary) Release() string { return releaseOf(b.banner) }

// SetKASLROffset sets the offset (VMCOREINFO KERNELOFFSET) added to every
// kernel-image address this Binary reports or accepts. Per-CPU symbols
// (offsets into the per-CPU area) are not shifted.
func (b *Binary) SetKASLROffset(off uint64) { b.kaslr.Store(off) }

// KASLROffset is the offset set by SetKASLROffset.
func (b *Binary) KASLROffset() uint64 { return b.kaslr.Load() }

// kernelImageStart is the lowest address of the kernel-image mapping; only
// addresses at or above it move with KASLR.
const kernelImageStart = 0xffffffff80000000

func (b *Binary) shift(addr uint64) uint64 {
	if addr >= kernelImageStart {
		return addr + b.kaslr.Load()
	}
	return addr
}

func (b *Binary) unshift(addr uint64) uint64 {
	off := b.kaslr.Load()
	if addr >= kernelImageStart+off {
		return addr - off
	}
	return addr
}

// rethrowPanics is set by fuzz targets so that a panic the boundary
// recovers from still fails the fuzzer: each is a bug to fix, not just
// corrupt input.
var rethrowPanics = false

// recovered turns a panic caught at a package boundary (debug/elf, or a
// bug of ours on corrupt input) into an error.
func recovered(what string, r any) error {
	if rethrowPanics {
		panic(r)
	}
	return fmt.Errorf("%s: internal error on corrupt input: %v", what, r)
}

// symbolBanner reads the banner at linux_banner, one page of the file,
// rather than searching .rodata for it: on a cold disk that search faults
// in megabytes before the index build can start. It falls back to the
// search when the symbol is absent.
func (b *Binary) symbolBanner() string {
	if e, ok := b.syms.lookupName("linux_banner"); ok {
		if s := b.ef.bytesAt(e.addr, 512); bytes.HasPrefix(s, []byte("Linux version ")) {
			return findBanner(s)
		}
	}
	return b.ef.banner()
}
