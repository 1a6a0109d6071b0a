package dwarf

import (
	"bytes"
	"cmp"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"sort"
	"strings"

	"github.com/ianlancetaylor/demangle"
)

// symtab is an ELF symbol table prepared for lookups both ways. Names stay
// in the string table (a slice of the mapping); entries are fixed-size so
// the on-disk cache can hold them as they are.
type symtab struct {
	strtab []byte
	byAddr []symEnt // address lookups: defined, non-per-CPU symbols, by address
	byName []symEnt // every defined symbol, by name
}

type symEnt struct {
	addr    uint64
	size    uint64
	nameOff uint32
	nameLen uint32
	kind    byte
	global  bool
	_       [6]byte
}

const symEntSize = 24 // Elf64_Sym

// maxSymbols caps the entries a symbol table may claim.
const maxSymbols = 1 << 24

func (st *symtab) name(e *symEnt) string {
	return string(st.nameBytes(e))
}

func (st *symtab) nameBytes(e *symEnt) []byte {
	return st.strtab[e.nameOff : e.nameOff+e.nameLen]
}

// readSymtab parses the .symtab of a vmlinux, whose symbols carry final
// addresses.
func readSymtab(ef *elfFile) (*symtab, error) {
	return readSymtabAt(ef, nil)
}

// readSymtabAt parses .symtab; sectionAddr, when non-nil, gives the load
// address of each section index (modules: symbol values are
// section-relative).
func readSymtabAt(ef *elfFile, sectionAddr []uint64) (*symtab, error) {
	sec := ef.f.Section(".symtab")
	if sec == nil {
		return &symtab{}, nil
	}
	raw, err := ef.sectionData(sec)
	if err != nil {
		return nil, err
	}
	if int(sec.Link) >= len(ef.f.Sections) {
		return nil, fmt.Errorf("%s: .symtab links to section %d of %d", ef.path, sec.Link, len(ef.f.Sections))
	}
	strtab, err := ef.sectionData(ef.f.Sections[sec.Link])
	if err != nil {
		return nil, err
	}
	if len(raw)/symEntSize > maxSymbols {
		return nil, fmt.Errorf("%s: .symtab claims %d symbols", ef.path, len(raw)/symEntSize)
	}
	st := &symtab{strtab: strtab}
	kinds := sectionKinds(ef.f)
	n := len(raw) / symEntSize
	st.byName = make([]symEnt, 0, n)
	for i := 1; i < n; i++ { // entry 0 is the null symbol
		e, ok := parseSym(raw[i*symEntSize:], strtab, kinds, sectionAddr)
		if !ok {
			continue
		}
		st.byName = append(st.byName, e)
		if e.kind != 'A' && e.kind != 'a' && !isPercpuKind(kinds, raw[i*symEntSize:]) {
			st.byAddr = append(st.byAddr, e)
		}
	}
	st.sort()
	return st, nil
}

func (st *symtab) sort() {
	ks := make([]keyed, len(st.byAddr))
	for i := range st.byAddr {
		ks[i] = keyed{st.byAddr[i].addr, uint32(i)}
	}
	ks = radixSort(ks)
	sortRuns(ks, func(a, b keyed) int { return symPref(st.byAddr[a.i], st.byAddr[b.i]) })
	st.byAddr = permute(st.byAddr, ks)
	st.sortByName()
}

// permute returns es in the order of ks.
func permute(es []symEnt, ks []keyed) []symEnt {
	out := make([]symEnt, len(es))
	for j, k := range ks {
		out[j] = es[k.i]
	}
	return out
}

// symPref orders symbols at the same address or with the same name: global
// first, then sized ones.
func symPref(a, b symEnt) int {
	if a.global != b.global {
		if a.global {
			return -1
		}
		return 1
	}
	if c := cmp.Compare(b.size, a.size); c != 0 {
		return c
	}
	return cmp.Compare(a.nameOff, b.nameOff) // deterministic order
}

// sectionKinds gives each section index its nm letter; a percpu section
// is marked 'p' so its symbols (offsets, not addresses) stay out of
// address lookups.
func sectionKinds(f *elf.File) []byte {
	k := make([]byte, len(f.Sections))
	for i, s := range f.Sections {
		switch {
		case s.Name == ".data..percpu" || strings.HasPrefix(s.Name, ".data..percpu"):
			k[i] = 'p'
		case s.Flags&elf.SHF_EXECINSTR != 0:
			k[i] = 'T'
		case s.Type == elf.SHT_NOBITS:
			k[i] = 'B'
		case s.Flags&elf.SHF_WRITE != 0:
			k[i] = 'D'
		case s.Flags&elf.SHF_ALLOC != 0:
			k[i] = 'R'
		default:
			k[i] = 'N'
		}
	}
	return k
}

func isPercpuKind(kinds []byte, raw []byte) bool {
	shndx := int(binary.LittleEndian.Uint16(raw[6:]))
	return shndx < len(kinds) && kinds[shndx] == 'p'
}

// parseSym decodes one Elf64_Sym, keeping defined functions, objects and
// labels.
func parseSym(raw, strtab []byte, kinds []byte, sectionAddr []uint64) (symEnt, bool) {
	name := binary.LittleEndian.Uint32(raw)
	info := raw[4]
	shndx := binary.LittleEndian.Uint16(raw[6:])
	e := symEnt{addr: binary.LittleEndian.Uint64(raw[8:]), size: binary.LittleEndian.Uint64(raw[16:])}
	switch elf.ST_TYPE(info) {
	case elf.STT_FUNC, elf.STT_OBJECT, elf.STT_NOTYPE, elf.STT_TLS:
	default:
		return e, false
	}
	if shndx == uint16(elf.SHN_UNDEF) || shndx == uint16(elf.SHN_COMMON) {
		return e, false
	}
	nb := cstrAt(strtab, uint64(name))
	if len(nb) == 0 {
		return e, false
	}
	e.nameOff, e.nameLen = name, uint32(len(nb))
	e.global = elf.ST_BIND(info) != elf.STB_LOCAL
	switch {
	case shndx == uint16(elf.SHN_ABS):
		e.kind = 'A'
	case int(shndx) < len(kinds):
		e.kind = kinds[shndx]
		if e.kind == 'p' {
			e.kind = 'D'
		}
		if sectionAddr != nil {
			if int(shndx) >= len(sectionAddr) || sectionAddr[shndx] == 0 {
				return e, false // a section the kernel did not load (init, discarded)
			}
			e.addr += sectionAddr[shndx]
		}
	default:
		return e, false
	}
	if !e.global {
		e.kind += 'a' - 'A'
	}
	return e, true
}

// lookupName finds a symbol by (mangled) name.
func (st *symtab) lookupName(name string) (*symEnt, bool) {
	es := st.byName
	i := sort.Search(len(es), func(i int) bool { return string(st.nameBytes(&es[i])) >= name })
	if i < len(es) && string(st.nameBytes(&es[i])) == name {
		return &es[i], true
	}
	return nil, false
}

// lookupAddr finds the symbol containing addr: the nearest one at or
// below it, if addr is inside its size (or, for unsized labels, before
// the next symbol).
func (st *symtab) lookupAddr(addr uint64) (*symEnt, bool) {
	es := st.byAddr
	i := sort.Search(len(es), func(i int) bool { return es[i].addr > addr }) - 1
	if i < 0 {
		return nil, false
	}
	// Among symbols at the same address the preferred one sorts first.
	j := i
	for j > 0 && es[j-1].addr == es[i].addr {
		j--
	}
	e := &es[j]
	if e.size > 0 {
		return e, addr-e.addr < e.size
	}
	return e, i+1 < len(es)
}

// displayName demangles Rust (v0 "_R" and legacy "_ZN...E") names.
func displayName(name string) string {
	if strings.HasPrefix(name, "_R") || strings.HasPrefix(name, "_ZN") {
		if d, err := demangle.ToString(name, demangle.NoParams); err == nil {
			return d
		}
	}
	return name
}

// sortByName sorts byName: a radix sort on each name's first 8 bytes
// (big-endian, so numeric order is byte order), then a comparison sort of
// the names within each run that shares them (a comparison sort
// throughout was a fifth of a cold open).
func (st *symtab) sortByName() {
	ks := make([]keyed, len(st.byName))
	for i := range st.byName {
		var p [8]byte
		copy(p[:], st.nameBytes(&st.byName[i]))
		ks[i] = keyed{binary.BigEndian.Uint64(p[:]), uint32(i)}
	}
	ks = radixSort(ks)
	sortRuns(ks, func(a, b keyed) int {
		ea, eb := &st.byName[a.i], &st.byName[b.i]
		if c := bytes.Compare(st.nameBytes(ea), st.nameBytes(eb)); c != 0 {
			return c
		}
		return symPref(*ea, *eb)
	})
	st.byName = permute(st.byName, ks)
}
