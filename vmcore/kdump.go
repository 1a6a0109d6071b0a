package vmcore

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/bits"
	"strings"
	"sync/atomic"
	"time"
)

// kdump-compressed layout (makedumpfile IMPLEMENTATION, diskdump_mod.h).
const (
	khVersion      = 8
	khRelease      = 12 + 2*65 // utsname.release
	khTimestamp    = 408
	khStatus       = 424
	khBlockSize    = 428
	khSubHdrSize   = 432
	khBitmapBlocks = 436
	khMaxMapnr     = 440
	khNrCPUs       = 460
	khSize         = 464

	ksPhysBase    = 0
	ksDumpLevel   = 8
	ksSplit       = 12
	ksStartPFN    = 16
	ksEndPFN      = 24
	ksVMCoreInfo  = 32 // offset, size (v3+)
	ksNote        = 48 // offset, size (v4+)
	ksStartPFN64  = 80 // v6+
	ksEndPFN64    = 88
	ksMaxMapnr64  = 96
	ksSizeV6      = 104
	descSize      = 24
	maxBlockSize  = 1 << 20
	maxNoteBytes  = 64 << 20
	maxInfoBytes  = 16 << 20
	bitsPerRankSt = 512 // PFNs per prefix-count entry
)

// Header status and per-page flag bits.
const (
	StatusZlib       = 0x1
	StatusLZO        = 0x2
	StatusSnappy     = 0x4
	StatusIncomplete = 0x8
	StatusNoVmemmap  = 0x10
	StatusZstd       = 0x20

	FlagZlib   = 0x1
	FlagLZO    = 0x2
	FlagSnappy = 0x4
	FlagZstd   = 0x20
)

// StatusOffset is the file offset of the kdump main header's status word
// (little-endian u32), for tools that rewrite a header's codec bits.
const StatusOffset = 424

// PageDesc is one kdump page descriptor.
type PageDesc struct {
	Offset    int64  // file offset of the stored page; 0 = never written
	Size      uint32 // stored size
	Flags     uint32 // FlagZlib, FlagLZO, FlagSnappy, FlagZstd or 0 (raw)
	PageFlags uint64 // the struct page flags makedumpfile recorded
}

// KdumpFile is one kdump-compressed file (plain or flattened): its headers,
// bitmaps and page descriptors.
type KdumpFile struct {
	src       source
	diskdump  bool
	version   int32
	status    uint32
	blockSize int64
	subHdr    int64 // sub_hdr_size in blocks
	bmBlocks  int64
	maxMapnr  uint64
	startPFN  uint64 // split part: first PFN it holds
	endPFN    uint64 // split part: one past the last
	split     bool
	physBase  uint64
	dumpLevel int32
	release   string
	timestamp time.Time
	nrCPUs    int32
	present   []byte // first bitmap: RAM
	dumped    []byte // second bitmap: stored pages
	rank      []uint64
	descOff   int64
	nDesc     uint64
	info      []byte
	zero      atomic.Pointer[PageDesc] // the shared zero page, once seen
	notes     []byte
	warnings  []string
}

func (k *KdumpFile) warn(format string, args ...any) {
	if len(k.warnings) < maxWarnings {
		k.warnings = append(k.warnings, fmt.Sprintf(format, args...))
	}
}

func (k *KdumpFile) ferr(off int64, field, msg string, val any) error {
	return formatErr(k.src.name(), off, field, msg, val)
}

// parseKdump reads the headers, bitmaps and note areas of a kdump file and
// builds the prefix counts used to find a page's descriptor in O(1).
func parseKdump(src source) (*KdumpFile, error) {
	k := &KdumpFile{src: src}
	h, ok := readFull(src, 0, khSize)
	if !ok {
		return nil, k.ferr(0, "main header", "file shorter than the 464-byte header", src.size())
	}
	if err := k.parseMain(h); err != nil {
		return nil, err
	}
	if !k.diskdump {
		if err := k.parseSub(); err != nil {
			return nil, err
		}
	}
	if err := k.loadBitmaps(); err != nil {
		return nil, err
	}
	k.buildRank()
	k.descOff = (1 + k.subHdr + k.bmBlocks) * k.blockSize
	if k.descOff > src.size() {
		k.warn("%s: page descriptors at 0x%x lie past the end of the file (0x%x): truncated", src.name(), k.descOff, src.size())
	}
	return k, nil
}

func (k *KdumpFile) parseMain(h []byte) error {
	le := binary.LittleEndian
	k.diskdump = string(h[:8]) == "DISKDUMP"
	k.version = int32(le.Uint32(h[khVersion:]))
	k.release = cstring(h[khRelease : khRelease+65])
	k.timestamp = time.Unix(int64(le.Uint64(h[khTimestamp:])), int64(le.Uint64(h[khTimestamp+8:])%1e6)*1e3).UTC()
	k.status = le.Uint32(h[khStatus:])
	bs := int64(int32(le.Uint32(h[khBlockSize:])))
	if bs < 512 || bs > maxBlockSize || bs&(bs-1) != 0 {
		return k.ferr(khBlockSize, "block_size", "not a power of two in [512, 1 MiB]", bs)
	}
	k.blockSize = bs
	k.subHdr = int64(int32(le.Uint32(h[khSubHdrSize:])))
	k.bmBlocks = int64(le.Uint32(h[khBitmapBlocks:]))
	k.maxMapnr = uint64(le.Uint32(h[khMaxMapnr:]))
	k.nrCPUs = int32(le.Uint32(h[khNrCPUs:]))
	limit := k.src.size()/bs + 1
	if k.subHdr < 0 || k.subHdr > limit {
		return k.ferr(khSubHdrSize, "sub_hdr_size", "negative or larger than the file", k.subHdr)
	}
	if k.bmBlocks > limit {
		return k.ferr(khBitmapBlocks, "bitmap_blocks", "larger than the file", k.bmBlocks)
	}
	if k.bmBlocks%2 != 0 {
		k.warn("%s: bitmap_blocks %d is odd", k.src.name(), k.bmBlocks)
	}
	if k.version < 0 || k.version > 6 {
		k.warn("%s: header_version %d unknown; reading it as version 6", k.src.name(), k.version)
	}
	return nil
}

func (k *KdumpFile) parseSub() error {
	le := binary.LittleEndian
	want := int64(ksVMCoreInfo) // v2: up to end_pfn
	switch {
	case k.version >= 6:
		want = ksSizeV6
	case k.version >= 4:
		want = ksNote + 16
	case k.version >= 3:
		want = ksVMCoreInfo + 16
	case k.version <= 1:
		want = ksSplit // phys_base and dump_level only
	}
	if want > k.subHdr*k.blockSize {
		return k.ferr(khSubHdrSize, "sub_hdr_size", fmt.Sprintf("%d blocks cannot hold a version %d sub-header", k.subHdr, k.version), k.subHdr)
	}
	s, ok := readFull(k.src, k.blockSize, want)
	if !ok {
		return k.ferr(k.blockSize, "sub-header", "truncated", nil)
	}
	k.physBase = le.Uint64(s[ksPhysBase:])
	k.dumpLevel = int32(le.Uint32(s[ksDumpLevel:]))
	if k.version >= 2 {
		k.split = le.Uint32(s[ksSplit:]) != 0
		k.startPFN, k.endPFN = le.Uint64(s[ksStartPFN:]), le.Uint64(s[ksEndPFN:])
	}
	if k.version >= 6 {
		k.startPFN, k.endPFN = le.Uint64(s[ksStartPFN64:]), le.Uint64(s[ksEndPFN64:])
		if m := le.Uint64(s[ksMaxMapnr64:]); m != 0 {
			if m&0xffffffff != k.maxMapnr && m <= 0xffffffff {
				k.warn("%s: header max_mapnr %d differs from max_mapnr_64 %d; using the latter", k.src.name(), k.maxMapnr, m)
			}
			k.maxMapnr = m
		}
	}
	if k.version >= 3 {
		k.info = k.noteArea(s[ksVMCoreInfo:], "offset_vmcoreinfo", maxInfoBytes)
	}
	if k.version >= 4 {
		k.notes = k.noteArea(s[ksNote:], "offset_note", maxNoteBytes)
	}
	return nil
}

// noteArea reads an {offset, size} area named in the sub-header; a bad one
// is a warning, not a failure: the pages are still readable.
func (k *KdumpFile) noteArea(b []byte, field string, max uint64) []byte {
	off, n := int64(binary.LittleEndian.Uint64(b)), binary.LittleEndian.Uint64(b[8:])
	if n == 0 {
		return nil
	}
	if off <= 0 || n > max {
		k.warn("%s: sub-header %s 0x%x size 0x%x is implausible; ignored", k.src.name(), field, off, n)
		return nil
	}
	data, ok := readFull(k.src, off, int64(n))
	if !ok {
		k.warn("%s: sub-header %s 0x%x size 0x%x lies outside the file; ignored", k.src.name(), field, off, n)
		return nil
	}
	return data
}

func (k *KdumpFile) loadBitmaps() error {
	off := (1 + k.subHdr) * k.blockSize
	half := k.bmBlocks * k.blockSize / 2
	// Copied out of the mapping: the bitmaps are consulted on every read
	// and by scans, and a copy cannot fault if the file shrinks later.
	if off > k.src.size() || 2*half > k.src.size()-off {
		return k.ferr(off, "bitmaps", fmt.Sprintf("0x%x bytes of bitmaps not in the file", 2*half), nil)
	}
	bm := make([]byte, 2*half)
	if k.src.readAt(bm, off) != len(bm) {
		return k.ferr(off, "bitmaps", fmt.Sprintf("0x%x bytes of bitmaps not in the file", 2*half), nil)
	}
	k.present, k.dumped = bm[:half:half], bm[half:]
	if bitsN := uint64(half) * 8; k.maxMapnr > bitsN {
		k.warn("%s: max_mapnr %d exceeds the bitmaps' %d bits; clamped", k.src.name(), k.maxMapnr, bitsN)
		k.maxMapnr = bitsN
	}
	if k.split {
		if k.endPFN > k.maxMapnr || k.startPFN > k.endPFN {
			return k.ferr(k.blockSize+ksStartPFN, "start_pfn/end_pfn", fmt.Sprintf("split range [%d, %d) outside max_mapnr %d", k.startPFN, k.endPFN, k.maxMapnr), nil)
		}
	} else {
		k.startPFN, k.endPFN = 0, k.maxMapnr
	}
	return nil
}

// word returns 64 bitmap bits starting at bit 64*i (bits past the bitmap
// read as 0).
func word(bm []byte, i uint64) uint64 {
	o := i * 8
	if o+8 <= uint64(len(bm)) {
		return binary.LittleEndian.Uint64(bm[o:])
	}
	var w [8]byte
	if o < uint64(len(bm)) {
		copy(w[:], bm[o:])
	}
	return binary.LittleEndian.Uint64(w[:])
}

func bit(bm []byte, pfn uint64) bool {
	i := pfn >> 3
	return i < uint64(len(bm)) && bm[i]>>(pfn&7)&1 != 0
}

// buildRank stores, for every 512-PFN block from startPFN, how many dumped
// pages precede it, so that a descriptor index is one table entry plus at
// most eight popcounts.
func (k *KdumpFile) buildRank() {
	n := (k.endPFN - k.startPFN + bitsPerRankSt - 1) / bitsPerRankSt
	k.rank = make([]uint64, n+1)
	var total uint64
	for b := uint64(0); b < n; b++ {
		k.rank[b] = total
		lo := k.startPFN + b*bitsPerRankSt
		hi := min(lo+bitsPerRankSt, k.endPFN)
		total += countBits(k.dumped, lo, hi)
	}
	k.rank[n] = total
	k.nDesc = total
}

// countBits counts set bits in [lo, hi).
func countBits(bm []byte, lo, hi uint64) uint64 {
	var c uint64
	for lo < hi {
		w := word(bm, lo>>6) >> (lo & 63)
		take := min(64-lo&63, hi-lo)
		if take < 64 {
			w &= 1<<take - 1
		}
		c += uint64(bits.OnesCount64(w))
		lo += take
	}
	return c
}

// descIndex is the index of pfn's descriptor; pfn must be dumped and in
// [startPFN, endPFN).
func (k *KdumpFile) descIndex(pfn uint64) uint64 {
	rel := pfn - k.startPFN
	b := rel / bitsPerRankSt
	return k.rank[b] + countBits(k.dumped, k.startPFN+b*bitsPerRankSt, pfn)
}

// Descriptor reads the descriptor of page number i (in file order).
func (k *KdumpFile) Descriptor(i uint64) (PageDesc, error) {
	off := k.descOff + int64(i)*descSize
	var b [descSize]byte
	if i >= k.nDesc || k.src.readAt(b[:], off) != descSize {
		return PageDesc{}, &ReadError{Kind: ErrTruncated, File: k.src.name(), Addr: ^uint64(0), Offset: k.src.fileOffset(off), DumpLevel: -1,
			Detail: fmt.Sprintf("page descriptor %d at logical offset 0x%x is past the end of the file", i, off)}
	}
	le := binary.LittleEndian
	return PageDesc{
		Offset:    int64(le.Uint64(b[0:])),
		Size:      le.Uint32(b[8:]),
		Flags:     le.Uint32(b[12:]),
		PageFlags: le.Uint64(b[16:]),
	}, nil
}

// HeaderBytes returns a copy of the file's bytes before the page
// descriptors — main header, sub-header with its notes and VMCOREINFO,
// both bitmaps — verbatim.
func (k *KdumpFile) HeaderBytes() ([]byte, error) {
	if k.descOff > k.src.size() {
		return nil, k.ferr(0, "headers", "headers and bitmaps are not all in the file", k.descOff)
	}
	b := make([]byte, k.descOff)
	if k.src.readAt(b, 0) != len(b) {
		return nil, k.ferr(0, "headers", "headers and bitmaps are not all in the file", k.descOff)
	}
	return b, nil
}

// BlockSize is the dump's page size.
func (k *KdumpFile) BlockSize() int { return int(k.blockSize) }

// Status is the main header's status word.
func (k *KdumpFile) Status() uint32 { return k.status }

// HeaderVersion is the main header's header_version.
func (k *KdumpFile) HeaderVersion() int { return int(k.version) }

// Release is utsname.release from the main header.
func (k *KdumpFile) Release() string { return k.release }

// Timestamp is the main header's timestamp (when the dump was written).
func (k *KdumpFile) Timestamp() time.Time { return k.timestamp }

// NumPages is the number of page descriptors (pages marked dumped).
func (k *KdumpFile) NumPages() uint64 { return k.nDesc }

// PFNRange is the half-open PFN range this file holds (a split part's
// range, or [0, max_mapnr)).
func (k *KdumpFile) PFNRange() (start, end uint64) { return k.startPFN, k.endPFN }

// ForEachDumped calls fn for every dumped PFN with its descriptor index,
// in file order.
func (k *KdumpFile) ForEachDumped(fn func(pfn, index uint64) error) error {
	var idx uint64
	for w := k.startPFN >> 6; w<<6 < k.endPFN; w++ {
		bitsW := word(k.dumped, w)
		for bitsW != 0 {
			t := uint64(bits.TrailingZeros64(bitsW))
			bitsW &= bitsW - 1
			pfn := w<<6 + t
			if pfn < k.startPFN || pfn >= k.endPFN {
				continue
			}
			if err := fn(pfn, idx); err != nil {
				return err
			}
			idx++
		}
	}
	return nil
}

func cstring(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return strings.ToValidUTF8(string(b), "?")
}

func codecNames(status uint32) string {
	var names []string
	for _, c := range []struct {
		bit  uint32
		name string
	}{{StatusZlib, "zlib"}, {StatusLZO, "lzo"}, {StatusSnappy, "snappy"}, {StatusZstd, "zstd"}} {
		if status&c.bit != 0 {
			names = append(names, c.name)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, "+")
}
