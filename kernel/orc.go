package kernel

import (
	"encoding/binary"
	"fmt"
	"sort"
)

// ORC register and type numbers are ABI constants of the ORC format
// (arch/x86/include/asm/orc_types.h), shared by objtool and the kernel;
// they are not structure layouts, so they live here as constants. The
// type numbering changed in 6.4 (ORC_TYPE_UNDEFINED and END_OF_STACK were
// added before CALL and the `end` bit was dropped): orcLayout probes which
// numbering the dump's kernel uses from struct orc_entry's fields.
const (
	orcRegUndefined   = 0
	orcRegPrevSP      = 1
	orcRegDX          = 2
	orcRegDI          = 3
	orcRegBP          = 4
	orcRegSP          = 5
	orcRegR10         = 6
	orcRegR13         = 7
	orcRegBPIndirect  = 8
	orcRegSPIndirect  = 9
	orcEntryMaxSize   = 16      // struct orc_entry is 6 bytes; cap what DWARF may claim
	maxModuleORCCount = 1 << 20 // entries per module; the whole of vmlinux has 368k
)

// orcKind is an ORC entry's type, normalised across kernel versions.
type orcKind uint8

const (
	orcUndefined   orcKind = iota // no unwind information here
	orcEnd                        // end of the stack (user entry, kthread start)
	orcCall                       // a normal call frame
	orcRegs                       // sp points at a full struct pt_regs
	orcRegsPartial                // sp points at the iret frame inside pt_regs
)

func (k orcKind) String() string {
	return [...]string{"undefined", "end", "call", "regs", "regs-partial"}[k]
}

// orcEntry is one decoded struct orc_entry.
type orcEntry struct {
	spOffset, bpOffset int16
	spReg, bpReg       uint8
	kind               orcKind
	signal             bool // 6.3+: the frame is an exception/signal frame
}

// orcTable is the ORC data of vmlinux or one module: instruction
// addresses (absolute, runtime, sorted) and their raw entries.
type orcTable struct {
	name    string      // "" for vmlinux, else the module name
	text    [][2]uint64 // text ranges the table covers
	ips     []uint64
	entries []byte // len(ips) * layout.size
	layout  *orcLayout
}

// find returns the entry covering ip: the last one whose address is at or
// below it, as the kernel's orc_find does.
func (t *orcTable) find(ip uint64) (orcEntry, bool) {
	if !inTextRanges(t.text, ip) || len(t.ips) == 0 {
		return orcEntry{}, false
	}
	i := sort.Search(len(t.ips), func(i int) bool { return t.ips[i] > ip }) - 1
	if i < 0 {
		return orcEntry{}, false
	}
	sz := t.layout.size
	return t.layout.decode(t.entries[i*sz : (i+1)*sz]), true
}

// newORCTable turns the relative instruction-pointer table (each s32 is
// an offset from its own address, ipBase being the address of the first)
// and the entry table into an orcTable, sorting them if they are not (the
// kernel sorts at build time and at module load, but a dump may be odd).
func newORCTable(name string, text [][2]uint64, ipBase uint64, rel, entries []byte, l *orcLayout) (*orcTable, error) {
	n := len(rel) / 4
	if len(entries) < n*l.size {
		return nil, fmt.Errorf("ORC of %s: %d instruction addresses but %d bytes of %d-byte entries", orName(name), n, len(entries), l.size)
	}
	t := &orcTable{name: name, text: text, layout: l, ips: make([]uint64, n), entries: entries[:n*l.size]}
	for i := range t.ips {
		off := int32(binary.LittleEndian.Uint32(rel[4*i:]))
		t.ips[i] = ipBase + uint64(4*i) + uint64(int64(off))
	}
	if !sort.SliceIsSorted(t.ips, func(i, j int) bool { return t.ips[i] < t.ips[j] }) {
		t.sortByIP()
	}
	return t, nil
}

// sortByIP sorts ips and entries together.
func (t *orcTable) sortByIP() {
	sz := t.layout.size
	idx := make([]int, len(t.ips))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return t.ips[idx[a]] < t.ips[idx[b]] })
	ips := make([]uint64, len(idx))
	ents := make([]byte, len(t.entries))
	for to, from := range idx {
		ips[to] = t.ips[from]
		copy(ents[to*sz:], t.entries[from*sz:(from+1)*sz])
	}
	t.ips, t.entries = ips, ents
}

func orName(name string) string {
	if name == "" {
		return "vmlinux"
	}
	return "module " + name
}

func inTextRanges(rs [][2]uint64, x uint64) bool {
	for _, r := range rs {
		if x >= r[0] && x < r[1] {
			return true
		}
	}
	return false
}
