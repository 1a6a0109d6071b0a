package kdumptest

import "encoding/binary"

// Load is one PT_LOAD: Data is the file part (p_filesz), MemSz the memory
// size (0: len(Data)).
type Load struct {
	Paddr, Vaddr uint64
	Data         []byte
	MemSz        uint64
}

// ELF describes an x86-64 ELF core.
type ELF struct {
	Notes []byte // one PT_NOTE (omitted when empty)
	Loads []Load
	Flags uint32 // e_flags (bit 0: incomplete)
}

// Bytes lays out the ELF header, the program headers, the notes and the
// segments' data.
func (e ELF) Bytes() []byte {
	le := binary.LittleEndian
	nph := len(e.Loads)
	if len(e.Notes) > 0 {
		nph++
	}
	out := make([]byte, 64+56*nph)
	copy(out, "\x7fELF\x02\x01\x01")
	le.PutUint16(out[16:], 4)  // ET_CORE
	le.PutUint16(out[18:], 62) // EM_X86_64
	le.PutUint32(out[20:], 1)
	le.PutUint64(out[32:], 64)
	le.PutUint32(out[48:], e.Flags)
	le.PutUint16(out[52:], 64)
	le.PutUint16(out[54:], 56)
	le.PutUint16(out[56:], uint16(nph))
	if len(e.Notes) > 0 {
		ph := out[64:]
		le.PutUint32(ph, 4)
		le.PutUint64(ph[8:], uint64(len(out)))
		le.PutUint64(ph[32:], uint64(len(e.Notes)))
		le.PutUint64(ph[40:], uint64(len(e.Notes)))
		out = append(out, e.Notes...)
	}
	for i, l := range e.Loads {
		for len(out)%4096 != 0 {
			out = append(out, 0)
		}
		h := out[64+56*(nph-len(e.Loads)+i):]
		mem := l.MemSz
		if mem == 0 {
			mem = uint64(len(l.Data))
		}
		le.PutUint32(h, 1)
		le.PutUint32(h[4:], 7)
		le.PutUint64(h[8:], uint64(len(out)))
		le.PutUint64(h[16:], l.Vaddr)
		le.PutUint64(h[24:], l.Paddr)
		le.PutUint64(h[32:], uint64(len(l.Data)))
		le.PutUint64(h[40:], mem)
		out = append(out, l.Data...)
	}
	return out
}
