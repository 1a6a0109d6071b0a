package dwarf

import (
	"bytes"
	"os"
	"testing"
)

// tinySeed is testdata/tiny.o, the seed of the ELF and DWARF fuzzers.
func tinySeed(f *testing.F) []byte {
	b, err := os.ReadFile("testdata/tiny.o")
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// FuzzLoadModule mutates a whole ET_REL object: ELF headers, symbol
// table, relocations and DWARF. Loading must fail cleanly or produce a
// module whose types and symbols can be queried without panicking.
func FuzzLoadModule(f *testing.F) {
	f.Add(tinySeed(f))
	rethrowPanics = true
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := loadModuleData("fuzz.ko", data, tinyAddrs)
		if err != nil {
			if m != nil {
				t.Fatal("error with a non-nil module")
			}
			return
		}
		exerciseModule(m)
	})
}

func exerciseModule(m *Module) {
	m.Symbol("tiny_get")
	m.Lookup(tinyAddrs[".text"] + 4)
	if m.ix == nil {
		return
	}
	for i := range m.ix.entries {
		e := &m.ix.entries[i]
		if e.kind == kindVar {
			m.Variable(string(m.ix.name(e)))
		} else {
			m.types.typeAt(e.die)
		}
	}
}

// FuzzDWARF mutates .debug_info, .debug_abbrev and .debug_str_offsets
// (seeds: tiny.o after relocation, and the clang-style strx units of
// strxDWARF), which reaches the scanner and type decoder more directly
// than mutating whole files.
func FuzzDWARF(f *testing.F) {
	m, err := loadModuleData("tiny.o", tinySeed(f), tinyAddrs)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(m.dd.info, m.dd.abbrev, []byte(nil))
	sx := strxDWARF()
	f.Add(sx.info, sx.abbrev, sx.strOff)
	str := append(append([]byte(nil), m.dd.str...), sx.str...)
	rethrowPanics = true
	f.Fuzz(func(t *testing.T, info, abbrev, strOff []byte) {
		d := &debugData{name: "fuzz", info: info, abbrev: abbrev, str: str, strOff: strOff, infoAt: bytes.NewReader(info)}
		ix, err := buildIndex(d)
		if err != nil {
			if ix != nil {
				t.Fatal("error with a non-nil index")
			}
			return
		}
		var tc typeCache
		tc.init(d)
		for i := range ix.entries {
			if ty, err := tc.typeAt(ix.entries[i].die); err == nil && ty != nil {
				_ = typeString(ty)
				_ = sizeOf(ty)
			}
		}
	})
}

// FuzzSymtab mutates a vmlinux-like ET_EXEC (symbols, banner, no DWARF).
func FuzzSymtab(f *testing.F) {
	f.Add(minimalELF(f))
	rethrowPanics = true
	f.Fuzz(func(t *testing.T, data []byte) {
		ef, err := newELF("fuzz", data)
		if err != nil {
			return
		}
		ef.buildID()
		releaseOf(ef.banner())
		st, err := readSymtab(ef)
		if err != nil {
			return
		}
		for _, a := range []uint64{0, 0xffffffff81000010, 0xffffffff81000035, ^uint64(0)} {
			if e, ok := st.lookupAddr(a); ok {
				st.name(e)
			}
		}
		st.lookupName("start_kernel")
	})
}

// FuzzCache mutates an index cache image: decoding must reject it or
// return arrays whose every entry is in bounds.
func FuzzCache(f *testing.F) {
	ix := &index{names: []byte("slabtask"), entries: []ientry{{nameLen: 4, kind: kindStruct, die: 8}, {nameOff: 4, nameLen: 4, kind: kindStruct, die: 9}}}
	strtab := []byte("\x00schedule\x00")
	st := &symtab{strtab: strtab, byAddr: []symEnt{{addr: 1, nameOff: 1, nameLen: 8}}, byName: []symEnt{{addr: 1, nameOff: 1, nameLen: 8}}}
	info := make([]byte, 64)
	units := []unit{{off: 0, end: 64, dieOff: 12, version: 5, addrSize: 8, offSize: 4}}
	f.Add(encodeCache(&cached{ix: ix, syms: st, units: units, banner: "Linux version 1"}, "ab", 100, 64))
	f.Fuzz(func(t *testing.T, buf []byte) {
		aligned := make([]uint64, (len(buf)+7)/8+1)
		b := asBytes(aligned)[:len(buf)]
		copy(b, buf)
		c, err := decodeCache(b, "ab", 100, info, strtab)
		if err != nil {
			return
		}
		for i := range c.ix.entries {
			c.ix.name(&c.ix.entries[i])
		}
		c.ix.find(kindStruct, "slab")
		c.syms.lookupName("schedule")
		c.syms.lookupAddr(1)
	})
}
