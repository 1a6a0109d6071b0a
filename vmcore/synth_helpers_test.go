package vmcore_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/kdx-dev/kdx/internal/kdumptest"
)

const pg = 4096

// pageData is a deterministic, compressible page for pfn; PFNs divisible
// by 5 are all zeros (to exercise the shared zero page).
func pageData(pfn uint64) []byte {
	b := make([]byte, pg)
	if pfn%5 == 0 {
		return b
	}
	for i := 0; i < pg; i += 8 {
		binary.LittleEndian.PutUint64(b[i:], pfn<<32|uint64(i/64))
	}
	return b
}

// kspec is a synthetic kdump: PFNs [0, maxMapnr); RAM are the PFNs not
// divisible by 7, dumped the RAM PFNs not divisible by 3 (the others are
// "excluded by the filter").
type kspec struct {
	sig        string
	version    int32
	codec      kdumptest.Codec
	maxMapnr   uint64
	split      bool
	start, end uint64
	unwritten  int // descriptors from this index on are left zero (0: none)
	info       string
	notes      []byte
}

func ram(pfn uint64) bool    { return pfn%7 != 0 }
func dumped(pfn uint64) bool { return ram(pfn) && pfn%3 != 0 }

const testInfo = "OSRELEASE=6.1.0-test\nPAGESIZE=4096\nKERNELOFFSET=1e000000\nCRASHTIME=1700000000\nSYMBOL(init_top_pgt)=ffffffff9e00a000\nNUMBER(phys_base)=-123\nOFFSET(list_head.next)=0\nSIZE(page)=64\nLENGTH(zone.free_area)=11\nBUILD-ID=abcdef\n"

func (s kspec) build(t testing.TB) []byte {
	t.Helper()
	if s.maxMapnr == 0 {
		s.maxMapnr = 200
	}
	if !s.split {
		s.start, s.end = 0, s.maxMapnr
	}
	h := kdumptest.Header{Signature: s.sig, Version: s.version, Release: "6.1.0-test", MaxMapnr: s.maxMapnr,
		Status: s.codec.Flag(), NrCPUs: 1, PhysBase: 0x1000000, DumpLevel: 31, Split: s.split,
		StartPFN: s.start, EndPFN: s.end, VMCoreInfo: []byte(s.info), Notes: s.notes}
	var pfns []uint64
	for p := uint64(0); p < s.maxMapnr; p++ {
		if ram(p) {
			h.Present = append(h.Present, p)
		}
		if dumped(p) {
			h.Dumped = append(h.Dumped, p)
			if p >= s.start && p < s.end {
				pfns = append(pfns, p)
			}
		}
	}
	if s.unwritten > 0 {
		h.Status |= kdumptest.StatusIncomplete
	}
	var buf kdumptest.Buffer
	w, err := kdumptest.NewWriter(&buf, h.Bytes(), pg, uint64(len(pfns)), s.codec)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range pfns {
		if s.unwritten > 0 && i >= s.unwritten {
			err = w.AddUnwritten()
		} else if s.codec == kdumptest.LZO {
			// No Go LZO encoder shrinks pages: store valid literal-only
			// LZO streams so the decoder path is exercised.
			data := pageData(p)
			err = w.AddStored(kdumptest.LZOLiteral(data), kdumptest.FlagLZO, p, p%5 == 0)
		} else {
			err = w.Add(pageData(p), p)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.B
}

// writeTemp puts b in a file in the test's temporary directory.
func writeTemp(t testing.TB, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func testNotes() []byte {
	regs := map[string]uint64{"RIP": 0xffffffff81000123, "RSP": 0xffffc90000013f00, "RBP": 0x42, "CS": 0x10, "SS": 0x18, "EFLAGS": 0x246}
	n := kdumptest.PRStatus(77, regs)
	n = append(n, kdumptest.QEMUCPU(0xffffffff81000123, 0xffffc90000013f00, [5]uint64{0x80050033, 0, 0xdead000, 0x1234000, 0x1000 | 0x20})...)
	return append(n, kdumptest.VMCoreInfoNote("OSRELEASE=from-note\n")...)
}

func equalPage(t *testing.T, got []byte, pfn uint64) {
	t.Helper()
	if !bytes.Equal(got, pageData(pfn)) {
		t.Fatalf("PFN %d: wrong bytes", pfn)
	}
}
