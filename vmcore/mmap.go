package vmcore

import (
	"fmt"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// mapping is a read-only, shared mmap of one dump file. The dump is never
// written: the mapping is PROT_READ.
type mapping struct {
	path    string
	data    []byte
	mmapped bool       // false for in-memory inputs (fuzzing)
	file    *os.File   // kept open for bulk reads (scans), nil in memory
	pages   *pageCache // file pages read by pread for small reads; nil in memory
}

// filePageCache bounds the file pages kept for small reads.
const filePageCache = 8 << 20

func mapFile(path string) (*mapping, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("vmcore: %w", err)
	}
	m, err := mapOpen(path, f)
	if err != nil {
		f.Close()
	}
	return m, err
}

func mapOpen(path string, f *os.File) (*mapping, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("vmcore: %w", err)
	}
	size := st.Size()
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("vmcore: %s: not a regular file", path)
	}
	if size == 0 {
		return nil, formatErr(path, 0, "file", "empty file", nil)
	}
	if int64(int(size)) != size {
		return nil, formatErr(path, 0, "file", "too large to map", size)
	}
	data, err := unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("vmcore: mmap %s: %w", path, err)
	}
	return &mapping{path: path, data: data, mmapped: true, file: f, pages: newPageCache(filePageCache, filePage)}, nil
}

func (m *mapping) close() error {
	if m.file != nil {
		m.file.Close()
		m.file = nil
	}
	if m.data == nil || !m.mmapped {
		m.data = nil
		return nil
	}
	err := unix.Munmap(m.data)
	m.data = nil
	return err
}

// readBulk copies file bytes [off, off+len(p)) for a scan. pread into a
// reused buffer beats first-touch page faults on the mapping several
// times over; in-memory inputs copy from the slice.
func (m *mapping) readBulk(p []byte, off int64) int {
	if m.file != nil {
		n, _ := m.file.ReadAt(p, off)
		return n
	}
	if off < 0 || off >= int64(len(m.data)) {
		return 0
	}
	return copy(p, m.data[off:])
}

// bulkRead is the size from which a read of dump bytes goes through pread
// rather than the mapping. A page-sized copy costs about the same either
// way, but through the mapping it leaves the file page in the process's
// RSS for as long as the dump is open, and a whole-dump check touches
// every slab page: reading those with pread keeps kdx's peak RSS to its
// own memory.
const bulkRead = 4096

// filePage is the unit of the small-read cache.
const filePage = 4096

// copyAt copies file bytes [off, off+len(p)) (fewer at the end of the
// file). Page-sized reads use pread; small ones go through a bounded cache
// of file pages, themselves read with pread. Small reads from the mapping
// would map each touched page with its fault-around neighbours (or a whole
// large folio, for a file the page cache read ahead in one piece), which
// stay in the process's RSS: on a dump just copied or cat'ed, `kdx sys`
// grew from 36 to 63 MB that way.
func (m *mapping) copyAt(p []byte, off int64) int {
	if len(p) >= bulkRead {
		return m.readBulk(p, off)
	}
	if off < 0 || off >= int64(len(m.data)) {
		return 0
	}
	if m.pages == nil {
		return copy(p, m.data[off:])
	}
	done := 0
	for done < len(p) {
		o := off + int64(done)
		key, in := uint64(o/filePage), int(o%filePage)
		want := min(len(p)-done, filePage-in)
		if !m.pages.get(key, p[done:done+want], in) {
			n := m.smallMiss(key, p[done:done+want], in)
			done += n
			if n < want {
				return done
			}
			continue
		}
		done += want
	}
	return done
}

// smallMiss reads file page key with pread, caches it when whole, and
// copies [in, in+len(dst)) of it to dst; it returns the bytes copied.
func (m *mapping) smallMiss(key uint64, dst []byte, in int) int {
	var page [filePage]byte
	n := m.readBulk(page[:], int64(key)*filePage)
	if n == filePage {
		m.pages.put(key, page[:])
	}
	if n <= in {
		return 0
	}
	return copy(dst, page[in:n])
}

func workersOrCPUs(n int) int {
	if n > 0 {
		return n
	}
	return runtime.GOMAXPROCS(0)
}

type fileKind int

const (
	kindUnknown fileKind = iota
	kindELF
	kindKdump
	kindFlat
)

// detect looks only at the signature bytes.
func detect(b []byte) fileKind {
	switch {
	case len(b) >= 4 && string(b[:4]) == "\x7fELF":
		return kindELF
	case len(b) >= 8 && (string(b[:8]) == "KDUMP   " || string(b[:8]) == "DISKDUMP"):
		return kindKdump
	case len(b) >= 12 && string(b[:12]) == "makedumpfile":
		return kindFlat
	}
	return kindUnknown
}

// printable renders up to n leading bytes for an error message.
func printable(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
	}
	out := make([]byte, len(b))
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			c = '.'
		}
		out[i] = c
	}
	return string(out)
}
