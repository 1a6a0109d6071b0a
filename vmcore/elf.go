package vmcore

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
)

const (
	ehSize        = 64
	phSize        = 56
	ptLoad        = 1
	ptNote        = 4
	etCore        = 4
	emX86_64      = 62
	pnXNum        = 0xffff
	elfIncomplete = 1 // makedumpfile sets e_flags bit 0 on an incomplete dump
	kernelMapBase = 0xffffffff80000000
)

// pseg is a PT_LOAD by physical address.
type pseg struct {
	start, end uint64 // [p_paddr, p_paddr+p_memsz)
	fileOff    int64
	fileSz     uint64
}

// virtSeg is a PT_LOAD by virtual address (QEMU -p, /proc/vmcore).
type virtSeg struct {
	start, end uint64 // [p_vaddr, p_vaddr+p_memsz)
	paddr      uint64
}

type elfPhdr struct {
	typ                 uint32
	off                 int64
	vaddr, paddr        uint64
	filesz, memsz, algn uint64
	at                  int64 // offset of the header itself, for errors
}

func (d *Dump) openELF(m *mapping) error {
	phs, err := parseELFHeaders(m, d)
	if err != nil {
		return err
	}
	var loads []pseg
	for _, p := range phs {
		switch p.typ {
		case ptNote:
			d.elfNote(m, p)
		case ptLoad:
			if p.filesz > p.memsz {
				d.warn("%s: PT_LOAD at 0x%x: p_filesz 0x%x > p_memsz 0x%x; using p_memsz", m.path, p.at, p.filesz, p.memsz)
				p.filesz = p.memsz
			}
			if p.memsz == 0 || p.paddr+p.memsz < p.paddr {
				continue
			}
			loads = append(loads, pseg{start: p.paddr, end: p.paddr + p.memsz, fileOff: p.off, fileSz: p.filesz})
			if p.vaddr != 0 {
				d.elfVirt = append(d.elfVirt, virtSeg{start: p.vaddr, end: p.vaddr + p.memsz, paddr: p.paddr})
			}
		}
	}
	if len(loads) == 0 {
		return formatErr(m.path, 0, "program headers", "no PT_LOAD segment", nil)
	}
	d.format = "elf"
	d.mem = newELFMem(m, loads, len(d.elfVirt) > 0, d.warn)
	return nil
}

func parseELFHeaders(m *mapping, d *Dump) ([]elfPhdr, error) {
	b := m.data
	if len(b) < ehSize {
		return nil, formatErr(m.path, 0, "ELF header", "file shorter than the 64-byte ELF64 header", len(b))
	}
	if b[4] != 2 || b[5] != 1 {
		return nil, formatErr(m.path, 4, "e_ident", "only little-endian ELF64 (x86-64) cores are supported", fmt.Sprintf("class %d data %d", b[4], b[5]))
	}
	le := binary.LittleEndian
	if t := le.Uint16(b[16:]); t != etCore {
		return nil, formatErr(m.path, 16, "e_type", "not ET_CORE", t)
	}
	if mc := le.Uint16(b[18:]); mc != emX86_64 {
		d.warn("%s: e_machine %d is not x86-64", m.path, mc)
	}
	if le.Uint32(b[48:])&elfIncomplete != 0 {
		d.incompl = true
		d.warn("%s: e_flags marks the dump incomplete", m.path)
	}
	phoff := le.Uint64(b[32:])
	phnum := uint64(le.Uint16(b[56:]))
	if phnum == pnXNum {
		n, err := xnum(m, le.Uint64(b[40:]))
		if err != nil {
			return nil, err
		}
		phnum = n
	}
	if es := le.Uint16(b[54:]); es != phSize && phnum > 0 {
		return nil, formatErr(m.path, 54, "e_phentsize", "not 56", es)
	}
	size := uint64(len(b))
	if phoff > size || phnum > (size-phoff)/phSize {
		return nil, formatErr(m.path, 32, "e_phoff/e_phnum", fmt.Sprintf("%d program headers at 0x%x do not fit in the file (0x%x bytes)", phnum, phoff, size), nil)
	}
	phs := make([]elfPhdr, phnum)
	for i := range phs {
		o := phoff + uint64(i)*phSize
		h := b[o:]
		phs[i] = elfPhdr{typ: le.Uint32(h), off: int64(le.Uint64(h[8:])), vaddr: le.Uint64(h[16:]), paddr: le.Uint64(h[24:]),
			filesz: le.Uint64(h[32:]), memsz: le.Uint64(h[40:]), algn: le.Uint64(h[48:]), at: int64(o)}
		if phs[i].off < 0 {
			return nil, formatErr(m.path, int64(o)+8, "p_offset", "negative", phs[i].off)
		}
	}
	return phs, nil
}

// xnum reads the real program header count from section header 0 (used
// when there are 65535 or more).
func xnum(m *mapping, shoff uint64) (uint64, error) {
	if shoff > uint64(len(m.data)) || uint64(len(m.data))-shoff < 64 {
		return 0, formatErr(m.path, 40, "e_shoff", "PN_XNUM set but section header 0 is not in the file", shoff)
	}
	return uint64(binary.LittleEndian.Uint32(m.data[shoff+44:])), nil
}

func (d *Dump) elfNote(m *mapping, p elfPhdr) {
	if p.filesz > maxNoteBytes || uint64(p.off) > uint64(len(m.data)) || p.filesz > uint64(len(m.data))-uint64(p.off) {
		d.warn("%s: PT_NOTE at 0x%x (size 0x%x) is outside the file or too large; ignored", m.path, p.off, p.filesz)
		return
	}
	d.parseNotes(m.data[p.off:uint64(p.off)+p.filesz], m.path)
}

type elfMem struct {
	m        *mapping
	segs     []pseg // sorted by start, disjoint
	pageSize uint64
}

func newELFMem(m *mapping, loads []pseg, virtual bool, warn func(string, ...any)) *elfMem {
	slices.SortStableFunc(loads, func(a, b pseg) int {
		if a.start != b.start {
			return cmp.Compare(a.start, b.start)
		}
		return cmp.Compare(b.end, a.end) // longer first
	})
	e := &elfMem{m: m, pageSize: 4096}
	size := uint64(len(m.data))
	for _, s := range loads {
		// p_offset + p_filesz must not wrap, or a read could land on
		// unrelated file bytes; what lies past the end reads as truncated.
		s.fileSz = min(s.fileSz, uint64(math.MaxInt64-s.fileOff))
		if uint64(s.fileOff) > size || s.fileSz > size-uint64(s.fileOff) {
			warn("%s: PT_LOAD for physical 0x%x-0x%x needs file bytes up to 0x%x, file has 0x%x: truncated", m.path, s.start, s.end, uint64(s.fileOff)+s.fileSz, size)
		}
		if n := len(e.segs); n > 0 {
			prev := e.segs[n-1]
			if s.end <= prev.end {
				if !virtual {
					warn("%s: PT_LOAD for physical 0x%x-0x%x lies inside another; ignored", m.path, s.start, s.end)
				}
				continue
			}
			if s.start < prev.end {
				warn("%s: PT_LOADs overlap at physical 0x%x-0x%x; the first wins", m.path, s.start, prev.end)
				cut := prev.end - s.start
				s.start += cut
				s.fileOff += int64(cut)
				s.fileSz -= min(cut, s.fileSz)
			}
		}
		e.segs = append(e.segs, s)
	}
	return e
}

func (e *elfMem) find(a uint64) int {
	i, ok := slices.BinarySearchFunc(e.segs, a, func(s pseg, a uint64) int {
		switch {
		case s.end <= a:
			return -1
		case s.start > a:
			return 1
		}
		return 0
	})
	if !ok {
		return -1
	}
	return i
}

func (e *elfMem) readPhys(p []byte, paddr uint64) (int, error) {
	done := 0
	for done < len(p) {
		a := paddr + uint64(done)
		i := e.find(a)
		if i < 0 {
			return done, &ReadError{Kind: ErrNotInDump, File: e.m.path, Addr: a, Offset: -1, DumpLevel: -1, Detail: "in no PT_LOAD segment"}
		}
		n, err := e.readSeg(p[done:], a, e.segs[i])
		done += n
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

// readSeg reads from one segment: file bytes, then the zero-filled tail
// (p_memsz beyond p_filesz); file bytes past EOF are truncated.
func (e *elfMem) readSeg(p []byte, a uint64, s pseg) (int, error) {
	rel := a - s.start
	want := min(uint64(len(p)), s.end-a)
	if rel >= s.fileSz {
		clear(p[:want])
		return int(want), nil
	}
	fromFile := min(want, s.fileSz-rel)
	fo := uint64(s.fileOff) + rel
	size := uint64(len(e.m.data))
	if fo >= size {
		return 0, e.truncated(a, fo)
	}
	n := e.m.copyAt(p[:fromFile], int64(fo))
	if uint64(n) < fromFile {
		return n, e.truncated(a+uint64(n), fo+uint64(n))
	}
	clear(p[fromFile:want])
	return int(want), nil
}

func (e *elfMem) check(a uint64) error {
	i := e.find(a)
	if i < 0 {
		return &ReadError{Kind: ErrNotInDump, File: e.m.path, Addr: a, Offset: -1, DumpLevel: -1, Detail: "in no PT_LOAD segment"}
	}
	s := e.segs[i]
	if rel := a - s.start; rel < s.fileSz && uint64(s.fileOff)+rel >= uint64(len(e.m.data)) {
		return e.truncated(a, uint64(s.fileOff)+rel)
	}
	return nil
}

func (e *elfMem) truncated(a, fo uint64) error {
	return &ReadError{Kind: ErrTruncated, File: e.m.path, Addr: a, Offset: int64(fo), DumpLevel: -1,
		Detail: fmt.Sprintf("file ends at 0x%x", len(e.m.data))}
}

func (e *elfMem) presentRanges() []PhysRange {
	var out []PhysRange
	for _, s := range e.segs {
		if n := len(out); n > 0 && out[n-1].End == s.start {
			out[n-1].End = s.end
			continue
		}
		out = append(out, PhysRange{s.start, s.end})
	}
	return out
}
