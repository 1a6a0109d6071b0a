package kernel

import (
	"encoding/binary"
	"fmt"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// bitField is where one member of struct orc_entry lives: bits
// [bit, bit+width) of the entry read as a little-endian integer.
type bitField struct {
	bit, width uint
	present    bool
}

func (f bitField) get(word uint64) uint64 {
	if !f.present || f.width == 0 || f.width > 64 {
		return 0
	}
	return (word >> f.bit) & (1<<f.width - 1)
}

// orcLayout is struct orc_entry as this kernel's DWARF describes it.
type orcLayout struct {
	size                           int
	spOffset, bpOffset             bitField
	spReg, bpReg, typ, end, signal bitField
	// oldTypes: the pre-6.4 numbering (CALL 0, REGS 1, REGS_PARTIAL 2,
	// with a separate `end` bit), told apart by the `end` member.
	oldTypes bool
}

// newORCLayout reads struct orc_entry from DWARF.
func newORCLayout(types func(string) (godwarf.Type, error)) (*orcLayout, error) {
	t, err := types("struct orc_entry")
	if err != nil {
		return nil, fmt.Errorf("ORC: %w", err)
	}
	st, ok := godwarf.ResolveTypedef(t).(*godwarf.StructType)
	if !ok || st.ByteSize <= 0 || st.ByteSize > orcEntryMaxSize {
		return nil, fmt.Errorf("ORC: struct orc_entry has size %d (want 1..%d)", t.Size(), orcEntryMaxSize)
	}
	l := &orcLayout{size: int(st.ByteSize)}
	want := map[string]*bitField{"sp_offset": &l.spOffset, "bp_offset": &l.bpOffset, "sp_reg": &l.spReg,
		"bp_reg": &l.bpReg, "type": &l.typ, "end": &l.end, "signal": &l.signal}
	for _, f := range st.Field {
		dst := want[f.Name]
		if dst == nil {
			continue
		}
		width := uint(f.BitSize)
		if width == 0 {
			width = uint(8 * f.ByteSize)
		}
		*dst = bitField{bit: uint(8*f.ByteOffset + f.BitOffset), width: width, present: true}
		if dst.bit+dst.width > 64 {
			return nil, fmt.Errorf("ORC: struct orc_entry.%s at bit %d width %d is beyond 64 bits", f.Name, dst.bit, width)
		}
	}
	for _, name := range []string{"sp_offset", "bp_offset", "sp_reg", "bp_reg", "type"} {
		if !want[name].present {
			return nil, fmt.Errorf("ORC: struct orc_entry has no member %q", name)
		}
	}
	l.oldTypes = l.end.present
	return l, nil
}

// decode reads one entry of l.size bytes.
func (l *orcLayout) decode(b []byte) orcEntry {
	var buf [8]byte
	copy(buf[:], b)
	w := binary.LittleEndian.Uint64(buf[:])
	e := orcEntry{
		spOffset: int16(l.spOffset.get(w)),
		bpOffset: int16(l.bpOffset.get(w)),
		spReg:    uint8(l.spReg.get(w)),
		bpReg:    uint8(l.bpReg.get(w)),
		signal:   l.signal.get(w) != 0,
	}
	e.kind = l.kind(l.typ.get(w), l.end.get(w) != 0, e.spReg)
	return e
}

// kind normalises the type number. Before 6.4 an entry with an undefined
// SP register meant "end of stack" when its end bit was set and "no
// information" otherwise (the kernel's unwind_next_frame reads it so).
func (l *orcLayout) kind(typ uint64, end bool, spReg uint8) orcKind {
	if !l.oldTypes {
		if typ <= uint64(orcRegsPartial) {
			return orcKind(typ)
		}
		return orcUndefined
	}
	if spReg == orcRegUndefined {
		if end {
			return orcEnd
		}
		return orcUndefined
	}
	switch typ {
	case 0:
		return orcCall
	case 1:
		return orcRegs
	case 2:
		return orcRegsPartial
	}
	return orcUndefined
}
