package dwarf

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"testing"
)

// testSection is one section of a synthetic ELF file.
type testSection struct {
	name    string
	typ     elf.SectionType
	flags   elf.SectionFlag
	addr    uint64
	data    []byte
	link    uint32
	info    uint32
	entsize uint64
}

// buildELF writes a little-endian ELF64 file of the given type with the
// sections (index 0, the null section, is added; .shstrtab is appended).
func buildELF(typ elf.Type, secs []testSection) []byte {
	shstr := []byte{0}
	names := make([]uint32, len(secs))
	for i, s := range secs {
		names[i] = uint32(len(shstr))
		shstr = append(append(shstr, s.name...), 0)
	}
	shstrName := uint32(len(shstr))
	shstr = append(append(shstr, ".shstrtab"...), 0)
	all := append(append([]testSection{{}}, secs...), testSection{typ: elf.SHT_STRTAB, data: shstr})
	var body bytes.Buffer
	body.Write(make([]byte, 64))
	offs := make([]uint64, len(all))
	for i, s := range all {
		for body.Len()%8 != 0 {
			body.WriteByte(0)
		}
		offs[i] = uint64(body.Len())
		if s.typ != elf.SHT_NOBITS {
			body.Write(s.data)
		}
	}
	for body.Len()%8 != 0 {
		body.WriteByte(0)
	}
	shoff := uint64(body.Len())
	le := binary.LittleEndian
	for i, s := range all {
		var sh [64]byte
		switch {
		case i == len(all)-1:
			le.PutUint32(sh[0:], shstrName)
		case i > 0:
			le.PutUint32(sh[0:], names[i-1])
		}
		le.PutUint32(sh[4:], uint32(s.typ))
		le.PutUint64(sh[8:], uint64(s.flags))
		le.PutUint64(sh[16:], s.addr)
		le.PutUint64(sh[24:], offs[i])
		le.PutUint64(sh[32:], uint64(len(s.data)))
		le.PutUint32(sh[40:], s.link)
		le.PutUint32(sh[44:], s.info)
		le.PutUint64(sh[48:], 8)
		le.PutUint64(sh[56:], s.entsize)
		body.Write(sh[:])
	}
	out := body.Bytes()
	copy(out, []byte{0x7f, 'E', 'L', 'F', 2, 1, 1})
	le.PutUint16(out[16:], uint16(typ))
	le.PutUint16(out[18:], uint16(elf.EM_X86_64))
	le.PutUint32(out[20:], 1)
	le.PutUint64(out[40:], shoff)
	le.PutUint16(out[52:], 64)
	le.PutUint16(out[58:], 64)
	le.PutUint16(out[60:], uint16(len(all)))
	le.PutUint16(out[62:], uint16(len(all)-1))
	return out
}

// testSym is one symbol for symtabSections.
type testSym struct {
	name  string
	value uint64
	size  uint64
	info  byte // elf.ST_INFO(bind, type)
	shndx uint16
}

// symtabSections returns .symtab and .strtab; strtabIndex is the section
// index .strtab will have (for sh_link).
func symtabSections(syms []testSym, strtabIndex uint32) (testSection, testSection) {
	str := []byte{0}
	tab := make([]byte, 24) // null symbol
	for _, s := range syms {
		var e [24]byte
		binary.LittleEndian.PutUint32(e[0:], uint32(len(str)))
		str = append(append(str, s.name...), 0)
		e[4] = s.info
		binary.LittleEndian.PutUint16(e[6:], s.shndx)
		binary.LittleEndian.PutUint64(e[8:], s.value)
		binary.LittleEndian.PutUint64(e[16:], s.size)
		tab = append(tab, e[:]...)
	}
	return testSection{name: ".symtab", typ: elf.SHT_SYMTAB, data: tab, link: strtabIndex, info: 1, entsize: 24},
		testSection{name: ".strtab", typ: elf.SHT_STRTAB, data: str}
}

// minimalELF is an ET_EXEC with a banner in .rodata, symbols, and no DWARF.
func minimalELF(t testing.TB) []byte {
	t.Helper()
	banner := []byte("\x00Linux version 9.9.9-test (x@y) #1 SMP\n\x00")
	st, str := symtabSections([]testSym{
		{"linux_banner", 0xffffffff82000001, uint64(len(banner) - 2), elf.ST_INFO(elf.STB_GLOBAL, elf.STT_OBJECT), 2},
		{"_stext", 0xffffffff81000000, 0, elf.ST_INFO(elf.STB_GLOBAL, elf.STT_NOTYPE), 1},
		{"start_kernel", 0xffffffff81000010, 0x20, elf.ST_INFO(elf.STB_GLOBAL, elf.STT_FUNC), 1},
		{"helper", 0xffffffff81000030, 0x10, elf.ST_INFO(elf.STB_LOCAL, elf.STT_FUNC), 1},
		{"_end", 0xffffffff81000100, 0, elf.ST_INFO(elf.STB_GLOBAL, elf.STT_NOTYPE), 1},
	}, 4)
	return buildELF(elf.ET_EXEC, []testSection{
		{name: ".text", typ: elf.SHT_PROGBITS, flags: elf.SHF_ALLOC | elf.SHF_EXECINSTR, addr: 0xffffffff81000000, data: make([]byte, 0x100)},
		{name: ".rodata", typ: elf.SHT_PROGBITS, flags: elf.SHF_ALLOC, addr: 0xffffffff82000000, data: banner},
		st, str,
	})
}
