package dwarf

import (
	"debug/elf"
	"encoding/binary"
	"fmt"
)

// relocate applies the SHT_RELA sections that target sec to data (a copy
// of sec's bytes). Symbol values are section-relative in an ET_REL file;
// addrs gives each section's runtime address (0 for unloaded and
// non-allocated sections). A relocation against an allocated section
// the kernel did not load writes 0, so a variable there reads as
// unplaced rather than as a plausible wrong address.
func relocate(ef *elfFile, sec *elf.Section, data []byte, addrs []uint64) error {
	target := sectionIndex(ef.f, sec)
	for _, rs := range ef.f.Sections {
		if rs.Type != elf.SHT_RELA || int(rs.Info) != target {
			continue
		}
		rel, err := ef.sectionData(rs)
		if err != nil {
			return err
		}
		syms, err := relocSymbols(ef, rs)
		if err != nil {
			return err
		}
		if err := applyRela(rel, data, syms, ef.f, addrs); err != nil {
			return fmt.Errorf("%s: %s: %w", ef.path, rs.Name, err)
		}
	}
	return nil
}

func sectionIndex(f *elf.File, s *elf.Section) int {
	for i, x := range f.Sections {
		if x == s {
			return i
		}
	}
	return -1
}

// relocSymbols returns the raw symbol table a relocation section uses.
func relocSymbols(ef *elfFile, rs *elf.Section) ([]byte, error) {
	if int(rs.Link) >= len(ef.f.Sections) || rs.Link == 0 {
		return nil, fmt.Errorf("%s: %s links to section %d", ef.path, rs.Name, rs.Link)
	}
	return ef.sectionData(ef.f.Sections[rs.Link])
}

// x86-64 relocation types used in debug sections.
const (
	rX86_64_NONE = 0
	rX86_64_64   = 1
	rX86_64_PC32 = 2
	rX86_64_32   = 10
	rX86_64_32S  = 11
	rX86_64_PC64 = 24
)

// applyRela applies Elf64_Rela entries to data. The place P of a debug
// section is its offset (the section's address is 0).
func applyRela(rel, data, syms []byte, f *elf.File, addrs []uint64) error {
	le := binary.LittleEndian
	for i := 0; i+24 <= len(rel); i += 24 {
		off := le.Uint64(rel[i:])
		info := le.Uint64(rel[i+8:])
		addend := int64(le.Uint64(rel[i+16:]))
		typ, symIdx := uint32(info), info>>32
		if typ == rX86_64_NONE {
			continue
		}
		s, ok := symbolValue(syms, symIdx, addrs)
		if !ok {
			return fmt.Errorf("relocation %d: bad symbol index %d", i/24, symIdx)
		}
		v := uint64(int64(s) + addend)
		if symInUnloaded(syms, symIdx, f, addrs) {
			v = 0
		}
		size := uint64(4)
		switch typ {
		case rX86_64_64:
			size = 8
		case rX86_64_PC64:
			size, v = 8, v-off
		case rX86_64_PC32:
			v -= off
		case rX86_64_32, rX86_64_32S:
		default:
			return fmt.Errorf("relocation %d at %#x: unsupported type %d", i/24, off, typ)
		}
		if off > uint64(len(data)) || size > uint64(len(data))-off {
			return fmt.Errorf("relocation %d at %#x: outside the section (%#x bytes)", i/24, off, len(data))
		}
		if size == 8 {
			le.PutUint64(data[off:], v)
		} else {
			le.PutUint32(data[off:], uint32(v))
		}
	}
	return nil
}

// symbolValue is a symbol's runtime value: its section's address plus
// its section-relative value (absolute and undefined symbols as they are).
func symbolValue(syms []byte, idx uint64, addrs []uint64) (uint64, bool) {
	if idx >= uint64(len(syms))/24 {
		return 0, false
	}
	e := syms[idx*24:]
	shndx := binary.LittleEndian.Uint16(e[6:])
	value := binary.LittleEndian.Uint64(e[8:])
	if shndx == uint16(elf.SHN_UNDEF) || shndx >= uint16(elf.SHN_LORESERVE) {
		return value, true
	}
	if int(shndx) >= len(addrs) {
		return 0, false
	}
	return addrs[shndx] + value, true
}

// symInUnloaded reports whether a symbol lives in an allocated section
// that has no runtime address.
func symInUnloaded(syms []byte, idx uint64, f *elf.File, addrs []uint64) bool {
	shndx := int(binary.LittleEndian.Uint16(syms[idx*24+6:]))
	return shndx > 0 && shndx < len(f.Sections) && f.Sections[shndx].Flags&elf.SHF_ALLOC != 0 && addrs[shndx] == 0
}
