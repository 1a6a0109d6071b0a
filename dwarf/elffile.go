package dwarf

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// elfFile is an ELF file mapped read-only. Section contents are slices of
// the mapping (or of the heap, when the section is compressed or, for a
// module, relocated), so opening a 590 MB vmlinux costs page faults for
// what is touched rather than a copy of every debug section.
type elfFile struct {
	path string
	data []byte // the whole file, mmapped (nil after close)
	mmap bool
	f    *elf.File
	fd   *os.File // kept open for pread (see sectionReader)
}

// openELF maps path and parses its ELF headers. It checks that every
// section it may hand out lies inside the file, so later slicing cannot
// panic on a truncated file.
func openELF(path string) (*elfFile, error) {
	fd, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := fd.Stat()
	if err != nil {
		fd.Close()
		return nil, err
	}
	if st.Size() < 64 || !st.Mode().IsRegular() {
		fd.Close()
		return nil, fmt.Errorf("%s: not an ELF file (%d bytes)", path, st.Size())
	}
	data, err := unix.Mmap(int(fd.Fd()), 0, int(st.Size()), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		fd.Close()
		return nil, fmt.Errorf("%s: mmap: %w", path, err)
	}
	ef, err := newELF(path, data)
	if err != nil {
		unix.Munmap(data)
		fd.Close()
		return nil, err
	}
	ef.mmap, ef.fd = true, fd
	return ef, nil
}

// newELF parses an ELF image already in memory.
func newELF(path string, data []byte) (ef *elfFile, err error) {
	defer func() {
		if r := recover(); r != nil { // debug/elf is not hardened against every input
			ef, err = nil, recovered(path+": malformed ELF", r)
		}
	}()
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("%s: not a usable ELF file (truncated? %d bytes): %w", path, len(data), err)
		}
		return nil, fmt.Errorf("%s: not a usable ELF file: %w", path, err)
	}
	if f.Class != elf.ELFCLASS64 || f.Data != elf.ELFDATA2LSB {
		return nil, fmt.Errorf("%s: %v %v ELF: only little-endian 64-bit kernels are supported", path, f.Class, f.Data)
	}
	for _, s := range f.Sections {
		if s.Type == elf.SHT_NOBITS || s.Type == elf.SHT_NULL {
			continue
		}
		if s.Offset > uint64(len(data)) || s.Size > uint64(len(data))-s.Offset {
			return nil, fmt.Errorf("%s: section %s [%#x, +%#x) lies beyond the end of the file (%d bytes): truncated?",
				path, s.Name, s.Offset, s.Size, len(data))
		}
	}
	return &elfFile{path: path, data: data, f: f}, nil
}

func (ef *elfFile) close() error {
	if ef == nil || ef.data == nil {
		return nil
	}
	var err error
	if ef.mmap {
		err = unix.Munmap(ef.data)
	}
	if ef.fd != nil {
		ef.fd.Close()
	}
	ef.data = nil
	return err
}

// section returns the contents of the named section, or nil when absent or
// without file bytes. Compressed sections (SHF_COMPRESSED) are inflated to
// the heap; everything else is a slice of the mapping.
func (ef *elfFile) section(name string) ([]byte, error) {
	s := ef.f.Section(name)
	if s == nil || s.Type == elf.SHT_NOBITS {
		return nil, nil
	}
	return ef.sectionData(s)
}

func (ef *elfFile) sectionData(s *elf.Section) ([]byte, error) {
	if s.Type == elf.SHT_NOBITS {
		return nil, nil
	}
	if s.Flags&elf.SHF_COMPRESSED != 0 {
		if s.Size > maxCompressedSection || s.Size > 64*uint64(len(ef.data)) {
			return nil, fmt.Errorf("%s: compressed section %s too large (%d bytes)", ef.path, s.Name, s.Size)
		}
		b, err := s.Data()
		if err != nil {
			return nil, fmt.Errorf("%s: section %s: %w", ef.path, s.Name, err)
		}
		return b, nil
	}
	if s.Type == elf.SHT_NULL {
		return nil, nil
	}
	if s.Offset > uint64(len(ef.data)) || s.Size > uint64(len(ef.data))-s.Offset {
		return nil, fmt.Errorf("%s: section %s [%#x, +%#x) lies beyond the end of the file (%d bytes): truncated?",
			ef.path, s.Name, s.Offset, s.Size, len(ef.data))
	}
	return ef.data[s.Offset : s.Offset+s.Size : s.Offset+s.Size], nil
}

// maxCompressedSection caps what a compressed section may claim, since it
// sizes a heap allocation.
const maxCompressedSection = 1 << 30

// buildID returns the GNU build-id note as hex, searching every SHT_NOTE
// section (vmlinux keeps it in .notes, modules in .note.gnu.build-id).
func (ef *elfFile) buildID() string {
	for _, s := range ef.f.Sections {
		if s.Type != elf.SHT_NOTE {
			continue
		}
		b, err := ef.sectionData(s)
		if err != nil {
			continue
		}
		if id := noteBuildID(b); id != "" {
			return id
		}
	}
	return ""
}

// noteBuildID walks ELF notes (4-byte aligned) looking for NT_GNU_BUILD_ID.
func noteBuildID(b []byte) string {
	for len(b) >= 12 {
		namesz := uint64(binary.LittleEndian.Uint32(b))
		descsz := uint64(binary.LittleEndian.Uint32(b[4:]))
		typ := binary.LittleEndian.Uint32(b[8:])
		nameEnd := 12 + align4(namesz)
		descEnd := nameEnd + align4(descsz)
		if namesz > uint64(len(b)) || descsz > uint64(len(b)) || descEnd > uint64(len(b)) {
			return ""
		}
		name := b[12 : 12+namesz]
		if typ == 3 && bytes.Equal(bytes.TrimRight(name, "\x00"), []byte("GNU")) {
			return hex.EncodeToString(b[nameEnd : nameEnd+descsz])
		}
		b = b[descEnd:]
	}
	return ""
}

func align4(n uint64) uint64 { return (n + 3) &^ 3 }

// banner finds the "Linux version ..." string in .rodata (it is
// linux_banner), so a dump can be matched to a vmlinux without DWARF.
func (ef *elfFile) banner() string {
	ro, err := ef.section(".rodata")
	if err != nil || ro == nil {
		return ""
	}
	return findBanner(ro)
}

// bytesAt returns up to n bytes of the file at link-time address addr (in
// an allocated section with contents), nil when no section holds it.
func (ef *elfFile) bytesAt(addr uint64, n int) []byte {
	for _, s := range ef.f.Sections {
		if s.Flags&elf.SHF_ALLOC == 0 || s.Type == elf.SHT_NOBITS || addr < s.Addr || addr-s.Addr >= s.Size {
			continue
		}
		b, err := ef.sectionData(s)
		if err != nil || s.Flags&elf.SHF_COMPRESSED != 0 {
			return nil
		}
		b = b[addr-s.Addr:]
		return b[:min(len(b), n)]
	}
	return nil
}

func findBanner(b []byte) string {
	key := []byte("Linux version ")
	for off := 0; ; {
		i := bytes.Index(b[off:], key)
		if i < 0 {
			return ""
		}
		s := b[off+i:]
		// The format strings that mention "Linux version %s" are not the
		// banner; the banner has a release starting with a digit.
		if len(s) > len(key) && s[len(key)] >= '0' && s[len(key)] <= '9' {
			end := bytes.IndexAny(s, "\x00\n")
			if end < 0 || end > 512 {
				end = min(len(s), 512)
			}
			return string(s[:end])
		}
		off += i + len(key)
	}
}

// releaseOf extracts the release ("6.1.0-56-cloud-amd64") from a banner.
func releaseOf(banner string) string {
	rest, ok := bytes.CutPrefix([]byte(banner), []byte("Linux version "))
	if !ok {
		return ""
	}
	if i := bytes.IndexByte(rest, ' '); i >= 0 {
		rest = rest[:i]
	}
	return string(rest)
}

// sectionReader reads a section with pread when the section is stored
// plainly in the mapped file, else nil. Reading a section once through
// the mapping would leave every page in the process's RSS (and the
// kernel's fault-around maps 64 KiB per fault), so one-pass scans copy
// through a reused buffer instead.
func (ef *elfFile) sectionReader(name string) io.ReaderAt {
	s := ef.f.Section(name)
	if ef.fd == nil || s == nil || s.Flags&elf.SHF_COMPRESSED != 0 || s.Type == elf.SHT_NOBITS {
		return nil
	}
	return io.NewSectionReader(ef.fd, int64(s.Offset), int64(s.Size))
}

// prefetch asks the kernel to start reading the named sections into the
// page cache now, asynchronously. A cold index build reads .debug_info
// once from end to end and the string, abbreviation and symbol sections
// at random; without this, each of those reads waits for the disk in
// turn. The advice is given in pieces: Linux acts on at most the device's
// readahead size (a few MB) of each POSIX_FADV_WILLNEED and ignores the
// rest, so one call for a 160 MB section would read its first 8 MB.
func (ef *elfFile) prefetch(names ...string) {
	if ef.fd == nil {
		return
	}
	for _, name := range names {
		s := ef.f.Section(name)
		if s == nil || s.Type == elf.SHT_NOBITS {
			continue
		}
		for off := uint64(0); off < s.Size; off += prefetchPiece {
			// Advice only: an error changes nothing but the speed.
			_ = unix.Fadvise(int(ef.fd.Fd()), int64(s.Offset+off), int64(min(prefetchPiece, s.Size-off)), unix.FADV_WILLNEED)
		}
	}
}

// prefetchPiece is the span of one readahead advice: no larger than any
// device's readahead window is likely to be.
const prefetchPiece = 2 << 20
