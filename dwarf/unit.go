package dwarf

import (
	"fmt"
	"io"
	"sort"
	"sync"
	"sync/atomic"
)

// debugData is the DWARF of one binary: the section bytes (slices of the
// mapping for vmlinux, relocated heap copies for a module), the unit
// headers, and abbreviation tables parsed on first use.
type debugData struct {
	name                                     string // file, for errors
	info, abbrev, str, lineStr, strOff, addr []byte
	line, aranges                            []byte
	lines                                    lineTables
	closed                                   atomic.Bool // the mapping is gone
	units                                    []unit

	// infoAt, if set, reads .debug_info by pread for the one-pass scan.
	infoAt io.ReaderAt
	// progress, if set, hears how much of .debug_info the scan has done.
	progress func(done, total uint64)
	scanned  atomic.Uint64 // bytes of .debug_info scanned, for progress
	ucache   unitCache     // units read by pread, for decoding

	abbrevMu sync.Mutex
	abbrevs  map[abbrevKey]*abbrevTable
}

// unit is one unit header of .debug_info.
type unit struct {
	off, end, dieOff uint64 // header start, end, first DIE
	abbrevOff        uint64
	version          uint16
	addrSize         uint8
	offSize          uint8 // 4 (32-bit DWARF) or 8 (64-bit DWARF)
	unitType         uint8
	// DW_AT_str_offsets_base and DW_AT_addr_base of the unit DIE (clang),
	// set by the scan; 0 when absent.
	strOffBase, addrBase uint64
}

// parseUnitHeader decodes the header at start from its first bytes b.
func parseUnitHeader(b []byte, start, secLen uint64) (unit, error) {
	c := cursor{b: b}
	u := unit{off: start, offSize: 4}
	length := uint64(c.u32())
	if length == 0xffffffff {
		u.offSize = 8
		length = c.u64()
	} else if length >= 0xfffffff0 {
		return u, fmt.Errorf("reserved unit length %#x", length)
	}
	hdrEnd := start + uint64(c.pos)
	if c.err != nil || length > secLen-hdrEnd {
		return u, fmt.Errorf("unit length %#x runs past the section end (%#x)", length, secLen)
	}
	u.end = hdrEnd + length
	u.version = c.u16()
	switch {
	case u.version >= 2 && u.version <= 4:
		u.abbrevOff = c.uN(int(u.offSize))
		u.addrSize = c.u8()
	case u.version == 5:
		u.unitType = c.u8()
		u.addrSize = c.u8()
		u.abbrevOff = c.uN(int(u.offSize))
		switch u.unitType {
		case 2, 6: // DW_UT_type, DW_UT_split_type: signature + type offset
			c.skip(8 + uint64(u.offSize))
		case 4, 5: // DW_UT_skeleton, DW_UT_split_compile: dwo id
			c.skip(8)
		}
	default:
		return u, fmt.Errorf("unsupported DWARF version %d", u.version)
	}
	if c.err != nil {
		return u, fmt.Errorf("truncated unit header")
	}
	if u.addrSize != 4 && u.addrSize != 8 {
		return u, fmt.Errorf("address size %d", u.addrSize)
	}
	u.dieOff = start + uint64(c.pos)
	if u.dieOff > u.end {
		return u, fmt.Errorf("unit header longer than the unit")
	}
	return u, nil
}

// unitAt finds the unit containing a .debug_info offset.
func (d *debugData) unitAt(off uint64) (*unit, bool) {
	i := sort.Search(len(d.units), func(i int) bool { return d.units[i].end > off })
	if i == len(d.units) || off < d.units[i].dieOff {
		return nil, false
	}
	return &d.units[i], true
}
