package dwarf

import (
	"fmt"
	"sort"
	"sync"
)

// debugData is the DWARF of one binary: the section bytes (slices of the
// mapping for vmlinux, relocated heap copies for a module), the unit
// headers, and abbreviation tables parsed on first use.
type debugData struct {
	name                                     string // file, for errors
	info, abbrev, str, lineStr, strOff, addr []byte
	units                                    []unit

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
}

// parseUnits reads every unit header of .debug_info. Headers are small and
// linked by their lengths, so this is a quick walk even over 160 MB.
func parseUnits(name string, info []byte) ([]unit, error) {
	var units []unit
	c := cursor{b: info}
	for c.pos < len(info) {
		start := uint64(c.pos)
		u := unit{off: start, offSize: 4}
		length := uint64(c.u32())
		if length == 0xffffffff {
			u.offSize = 8
			length = c.u64()
		} else if length >= 0xfffffff0 {
			return nil, fmt.Errorf("%s: .debug_info+%#x: reserved unit length %#x", name, start, length)
		}
		hdrEnd := uint64(c.pos)
		if c.err != nil || length > uint64(len(info))-hdrEnd {
			return nil, fmt.Errorf("%s: .debug_info+%#x: unit length %#x runs past the section end (%#x)", name, start, length, len(info))
		}
		u.end = hdrEnd + length
		u.version = c.u16()
		switch {
		case u.version >= 5:
			u.unitType = c.u8()
			u.addrSize = c.u8()
			u.abbrevOff = c.uN(int(u.offSize))
			switch u.unitType {
			case 2, 6: // DW_UT_type, DW_UT_split_type: signature + type offset
				c.skip(8 + uint64(u.offSize))
			case 4, 5: // DW_UT_skeleton, DW_UT_split_compile: dwo id
				c.skip(8)
			}
		case u.version >= 2:
			u.abbrevOff = c.uN(int(u.offSize))
			u.addrSize = c.u8()
		default:
			return nil, fmt.Errorf("%s: .debug_info+%#x: unsupported DWARF version %d", name, start, u.version)
		}
		if c.err != nil || u.version > 5 {
			return nil, fmt.Errorf("%s: .debug_info+%#x: bad unit header (version %d)", name, start, u.version)
		}
		if u.addrSize != 4 && u.addrSize != 8 {
			return nil, fmt.Errorf("%s: .debug_info+%#x: address size %d", name, start, u.addrSize)
		}
		u.dieOff = uint64(c.pos)
		if u.dieOff > u.end {
			return nil, fmt.Errorf("%s: .debug_info+%#x: unit header longer than the unit", name, start)
		}
		units = append(units, u)
		c.pos = int(u.end)
	}
	return units, nil
}

// unitAt finds the unit containing a .debug_info offset.
func (d *debugData) unitAt(off uint64) (*unit, bool) {
	i := sort.Search(len(d.units), func(i int) bool { return d.units[i].end > off })
	if i == len(d.units) || off < d.units[i].dieOff {
		return nil, false
	}
	return &d.units[i], true
}
