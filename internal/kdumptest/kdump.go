package kdumptest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Header describes the part of a kdump-compressed file before the page
// descriptors: main header, sub-header (with its VMCOREINFO and notes) and
// the two bitmaps.
type Header struct {
	Signature string // "KDUMP   " (default) or "DISKDUMP"
	Version   int32  // header_version, 1..6 (default 6)
	BlockSize int    // page size (default 4096)
	Release   string // utsname.release
	Status    uint32 // codec and INCOMPLETE bits
	NrCPUs    int32
	MaxMapnr  uint64 // PFNs covered by the bitmaps

	PhysBase  uint64
	DumpLevel int32
	Split     bool
	StartPFN  uint64 // split part range
	EndPFN    uint64

	VMCoreInfo []byte // v3+
	Notes      []byte // v4+

	Present []uint64 // PFNs set in the first bitmap (RAM)
	Dumped  []uint64 // PFNs set in the second (stored pages), ascending
}

func (h *Header) defaults() {
	if h.Signature == "" {
		h.Signature = "KDUMP   "
	}
	if h.Version == 0 {
		h.Version = 6
	}
	if h.BlockSize == 0 {
		h.BlockSize = 4096
	}
}

// Bytes lays the header out; its length is a multiple of BlockSize and is
// where the page descriptors start.
func (h Header) Bytes() []byte {
	h.defaults()
	le := binary.LittleEndian
	bs := h.BlockSize
	sub := h.subHeader()
	subBlocks := (len(sub) + bs - 1) / bs
	bmBytes := int((h.MaxMapnr + 7) / 8)
	bmBlocks := (bmBytes + bs - 1) / bs
	if bmBlocks == 0 {
		bmBlocks = 1
	}
	out := make([]byte, (1+subBlocks+2*bmBlocks)*bs)
	copy(out, h.Signature)
	le.PutUint32(out[8:], uint32(h.Version))
	copy(out[12+2*65:12+3*65-1], h.Release)
	le.PutUint32(out[424:], h.Status)
	le.PutUint32(out[428:], uint32(bs))
	le.PutUint32(out[432:], uint32(subBlocks))
	le.PutUint32(out[436:], uint32(2*bmBlocks))
	le.PutUint32(out[440:], uint32(min(h.MaxMapnr, 0xffffffff)))
	le.PutUint32(out[460:], uint32(h.NrCPUs))
	copy(out[bs:], sub)
	bm1 := out[(1+subBlocks)*bs:]
	bm2 := bm1[bmBlocks*bs:]
	for _, p := range h.Present {
		bm1[p/8] |= 1 << (p % 8)
	}
	for _, p := range h.Dumped {
		bm2[p/8] |= 1 << (p % 8)
	}
	return out
}

// subHeader is kdump_sub_header followed by the VMCOREINFO and note
// areas it points to (offsets relative to the file).
func (h Header) subHeader() []byte {
	le := binary.LittleEndian
	bs := h.BlockSize
	sub := make([]byte, 104)
	le.PutUint64(sub[0:], h.PhysBase)
	le.PutUint32(sub[8:], uint32(h.DumpLevel))
	if h.Split {
		le.PutUint32(sub[12:], 1)
	}
	le.PutUint64(sub[16:], h.StartPFN)
	le.PutUint64(sub[24:], h.EndPFN)
	if h.Version >= 3 && len(h.VMCoreInfo) > 0 {
		le.PutUint64(sub[32:], uint64(bs+len(sub)))
		le.PutUint64(sub[40:], uint64(len(h.VMCoreInfo)))
		sub = append(sub, h.VMCoreInfo...)
	}
	if h.Version >= 4 && len(h.Notes) > 0 {
		le.PutUint64(sub[48:], uint64(bs+len(sub)))
		le.PutUint64(sub[56:], uint64(len(h.Notes)))
		sub = append(sub, h.Notes...)
	}
	if h.Version >= 6 {
		le.PutUint64(sub[80:], h.StartPFN)
		le.PutUint64(sub[88:], h.EndPFN)
		le.PutUint64(sub[96:], h.MaxMapnr)
	}
	return sub
}

// Writer writes the page descriptors and page data of a kdump-compressed
// file after a header written verbatim. Pages are added in descriptor
// order (ascending PFN over the dumped bitmap); the descriptor table is
// written at Close. All-zero pages share one stored copy, as makedumpfile
// does.
type Writer struct {
	w         io.WriterAt
	blockSize int
	codec     Codec
	descOff   int64
	dataOff   int64
	descs     []byte
	n, max    uint64
	zero      []byte // descriptor of the shared zero page, once stored
}

// NewWriter writes prefix (a header's bytes, see Header.Bytes or
// vmcore.KdumpFile.HeaderBytes) at offset 0 and prepares room for nPages
// descriptors.
func NewWriter(w io.WriterAt, prefix []byte, blockSize int, nPages uint64, codec Codec) (*Writer, error) {
	if blockSize <= 0 || len(prefix)%blockSize != 0 {
		return nil, fmt.Errorf("kdumptest: header of %d bytes is not whole %d-byte blocks", len(prefix), blockSize)
	}
	if _, err := w.WriteAt(prefix, 0); err != nil {
		return nil, err
	}
	wr := &Writer{w: w, blockSize: blockSize, codec: codec, descOff: int64(len(prefix)), max: nPages}
	tbl := int64(nPages) * 24
	wr.dataOff = wr.descOff + (tbl+int64(blockSize)-1)/int64(blockSize)*int64(blockSize)
	wr.descs = make([]byte, 0, tbl)
	return wr, nil
}

// Add compresses and stores the next page.
func (wr *Writer) Add(page []byte, pageFlags uint64) error {
	if len(page) != wr.blockSize {
		return fmt.Errorf("kdumptest: page of %d bytes, block size %d", len(page), wr.blockSize)
	}
	zero := isZero(page)
	if zero && wr.zero != nil {
		return wr.desc(wr.zero)
	}
	data, flags := Compress(wr.codec, page)
	return wr.AddStored(data, flags, pageFlags, zero)
}

// AddStored stores already encoded page data with its per-page flags.
// zero says the page is all zeros (its descriptor is then shared).
func (wr *Writer) AddStored(data []byte, flags uint32, pageFlags uint64, zero bool) error {
	if zero && wr.zero != nil {
		return wr.desc(wr.zero)
	}
	if _, err := wr.w.WriteAt(data, wr.dataOff); err != nil {
		return err
	}
	d := make([]byte, 24)
	le := binary.LittleEndian
	le.PutUint64(d[0:], uint64(wr.dataOff))
	le.PutUint32(d[8:], uint32(len(data)))
	le.PutUint32(d[12:], flags)
	le.PutUint64(d[16:], pageFlags)
	wr.dataOff += int64(len(data))
	if zero {
		wr.zero = d
	}
	return wr.desc(d)
}

// AddUnwritten leaves the next descriptor zero, as an interrupted
// makedumpfile does (the header should then carry StatusIncomplete).
func (wr *Writer) AddUnwritten() error { return wr.desc(make([]byte, 24)) }

func (wr *Writer) desc(d []byte) error {
	if wr.n >= wr.max {
		return errors.New("kdumptest: more pages than announced")
	}
	wr.descs = append(wr.descs, d...)
	wr.n++
	return nil
}

// Close writes the descriptor table; it fails if fewer pages were added
// than announced.
func (wr *Writer) Close() error {
	if wr.n != wr.max {
		return fmt.Errorf("kdumptest: %d pages added, %d announced", wr.n, wr.max)
	}
	_, err := wr.w.WriteAt(wr.descs, wr.descOff)
	return err
}

// End is the file size after Close.
func (wr *Writer) End() int64 { return wr.dataOff }

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
