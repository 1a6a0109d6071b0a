package dwarf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"unsafe"
)

// The on-disk cache holds what Open derives from a vmlinux (the DWARF name
// index and the sorted symbol tables) so that a second open is a file
// read. It is keyed by build-id, written atomically (temp file + rename),
// and validated on load (magic, version, build-id, vmlinux size, bounds of
// every entry, CRC-32C); anything wrong means a rebuild, never a crash.
//
// Layout, little-endian: a header, the build-id, then four arrays whose
// elements are the in-memory structs (ientry, name bytes, symEnt, symEnt),
// each 8-byte aligned, then the CRC of all preceding bytes.
const (
	cacheMagic   = "KDXDWIX\x00"
	cacheVersion = 3
	cacheHdrSize = 128
)

type cacheHeader struct {
	Magic    [8]byte
	Version  uint32
	IDLen    uint32
	FileSize uint64
	NEntries uint64
	NNames   uint64
	NByAddr  uint64
	NByName  uint64
	InfoLen  uint64
	NUnits   uint64
	NBanner  uint64
}

// CacheDir is where indexes are cached: $XDG_CACHE_HOME/kdx, else
// ~/.cache/kdx.
func CacheDir() (string, error) {
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "kdx"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".cache", "kdx"), nil
}

func (b *Binary) cachePath() string {
	if b.buildID == "" || os.Getenv("KDX_NO_CACHE") != "" {
		return ""
	}
	dir, err := CacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "vmlinux-"+b.buildID+".idx")
}

// loadCache fills b.ix and b.syms from the cache; false means rebuild.
func (b *Binary) loadCache() bool {
	p := b.cachePath()
	if p == "" {
		return false
	}
	buf, err := readAligned(p)
	if err != nil {
		return false
	}
	c, err := decodeCache(buf, b.buildID, uint64(len(b.ef.data)), b.dd.info, b.symStrtab())
	if err != nil {
		return false
	}
	b.ix, b.syms, b.dd.units, b.banner = c.ix, c.syms, c.units, c.banner
	return true
}

// storeCache writes the cache, ignoring failure (a read-only home costs
// only speed).
func (b *Binary) storeCache() {
	p := b.cachePath()
	if p == "" {
		return
	}
	c := &cached{ix: b.ix, syms: b.syms, units: b.dd.units, banner: b.banner}
	_ = writeAtomic(p, encodeCache(c, b.buildID, uint64(len(b.ef.data)), uint64(len(b.dd.info))))
}

func (b *Binary) symStrtab() []byte {
	sec := b.ef.f.Section(".symtab")
	if sec == nil || int(sec.Link) >= len(b.ef.f.Sections) {
		return nil
	}
	s, _ := b.ef.sectionData(b.ef.f.Sections[sec.Link])
	return s
}

// maxCacheFile bounds what a cache file may make us allocate.
const maxCacheFile = 1 << 30

// readAligned reads a file into 8-byte-aligned memory, so its arrays can
// be used in place.
func readAligned(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > maxCacheFile || st.Size() < cacheHdrSize {
		return nil, fmt.Errorf("%s: implausible size %d", path, st.Size())
	}
	words := make([]uint64, (st.Size()+7)/8)
	buf := unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), st.Size())
	if _, err := f.ReadAt(buf, 0); err != nil {
		return nil, err
	}
	return buf, nil
}

func writeAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func pad8(n int) int { return (n + 7) &^ 7 }

// cached is what the cache file holds.
type cached struct {
	ix     *index
	syms   *symtab
	units  []unit
	banner string
}

func encodeCache(c *cached, buildID string, fileSize, infoLen uint64) []byte {
	ix, st := c.ix, c.syms
	h := cacheHeader{Version: cacheVersion, IDLen: uint32(len(buildID)), FileSize: fileSize,
		NEntries: uint64(len(ix.entries)), NNames: uint64(len(ix.names)),
		NByAddr: uint64(len(st.byAddr)), NByName: uint64(len(st.byName)), InfoLen: infoLen,
		NUnits: uint64(len(c.units)), NBanner: uint64(len(c.banner))}
	copy(h.Magic[:], cacheMagic)
	var w bytes.Buffer
	binary.Write(&w, binary.LittleEndian, &h)
	w.Write(make([]byte, cacheHdrSize-w.Len()))
	writePadded(&w, []byte(buildID))
	writePadded(&w, asBytes(ix.entries))
	writePadded(&w, ix.names)
	writePadded(&w, asBytes(st.byAddr))
	writePadded(&w, asBytes(st.byName))
	writePadded(&w, asBytes(c.units))
	writePadded(&w, []byte(c.banner))
	binary.Write(&w, binary.LittleEndian, crc32.Checksum(w.Bytes(), castagnoli))
	return w.Bytes()
}

func writePadded(w *bytes.Buffer, b []byte) {
	w.Write(b)
	w.Write(make([]byte, pad8(len(b))-len(b)))
}

func asBytes[T any](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(s[0])))
}

// fromBytes views aligned bytes as a slice of T (no copy).
func fromBytes[T any](b []byte, n uint64) []T {
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), n)
}

var errCache = errors.New("bad index cache")

// decodeCache validates a cache image and returns views into it.
func decodeCache(buf []byte, buildID string, fileSize uint64, info, strtab []byte) (*cached, error) {
	var h cacheHeader
	if len(buf) < cacheHdrSize+4 {
		return nil, errCache
	}
	if _, err := binary.Decode(buf, binary.LittleEndian, &h); err != nil {
		return nil, errCache
	}
	body := buf[:len(buf)-4]
	if string(h.Magic[:]) != cacheMagic || h.Version != cacheVersion || h.FileSize != fileSize ||
		h.InfoLen != uint64(len(info)) || crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(buf[len(body):]) {
		return nil, errCache
	}
	c := cacheReader{b: body, pos: cacheHdrSize}
	id := c.take(uint64(h.IDLen), 1)
	if string(id) != buildID {
		return nil, errCache
	}
	ix := &index{}
	ix.entries = fromBytes[ientry](c.take(h.NEntries, unsafe.Sizeof(ientry{})), h.NEntries)
	ix.names = c.take(h.NNames, 1)
	st := &symtab{strtab: strtab}
	st.byAddr = fromBytes[symEnt](c.take(h.NByAddr, unsafe.Sizeof(symEnt{})), h.NByAddr)
	st.byName = fromBytes[symEnt](c.take(h.NByName, unsafe.Sizeof(symEnt{})), h.NByName)
	units := fromBytes[unit](c.take(h.NUnits, unsafe.Sizeof(unit{})), h.NUnits)
	banner := string(c.take(h.NBanner, 1))
	if c.bad || c.pos != len(body) || !ix.valid(uint64(len(info))) || !st.valid() || !validUnits(units, uint64(len(info))) {
		return nil, errCache
	}
	return &cached{ix: ix, syms: st, units: units, banner: banner}, nil
}

type cacheReader struct {
	b   []byte
	pos int
	bad bool
}

func (c *cacheReader) take(n uint64, size uintptr) []byte {
	if c.bad || n > uint64(len(c.b)) || n*uint64(size) > uint64(len(c.b)-c.pos) {
		c.bad = true
		return nil
	}
	s := c.b[c.pos : c.pos+int(n*uint64(size))]
	c.pos += pad8(len(s))
	if c.pos > len(c.b) {
		c.bad = true
		return nil
	}
	return s
}

// valid checks every entry against the sections it points into.
func (ix *index) valid(infoLen uint64) bool {
	for i := range ix.entries {
		e := &ix.entries[i]
		if uint64(e.nameOff)+uint64(e.nameLen) > uint64(len(ix.names)) || e.die >= infoLen || e.kind == 0 || e.kind >= kindCount {
			return false
		}
	}
	return true
}

func (st *symtab) valid() bool {
	for _, es := range [][]symEnt{st.byAddr, st.byName} {
		for i := range es {
			if uint64(es[i].nameOff)+uint64(es[i].nameLen) > uint64(len(st.strtab)) {
				return false
			}
		}
	}
	return true
}

// validUnits checks cached unit headers are ordered, inside the section,
// and of sizes the decoders accept.
func validUnits(us []unit, infoLen uint64) bool {
	prev := uint64(0)
	for i := range us {
		u := &us[i]
		if u.off != prev || u.dieOff < u.off || u.dieOff > u.end || u.end > infoLen ||
			(u.addrSize != 4 && u.addrSize != 8) || (u.offSize != 4 && u.offSize != 8) || u.version < 2 || u.version > 5 {
			return false
		}
		prev = u.end
	}
	return prev == infoLen
}

// The header must fit its reserved space (a compile-time check).
var _ [cacheHdrSize - unsafe.Sizeof(cacheHeader{})]byte
