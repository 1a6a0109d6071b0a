package vmcore_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/kdx-dev/kdx/internal/kdumptest"
	"github.com/kdx-dev/kdx/vmcore"
)

// TestKdumpVersionsAndCodecs reads every page of synthetic kdump files of
// every header version and codec, and checks what each version carries.
func TestKdumpVersionsAndCodecs(t *testing.T) {
	for v := int32(1); v <= 6; v++ {
		for _, c := range []kdumptest.Codec{kdumptest.Raw, kdumptest.Zlib, kdumptest.LZO, kdumptest.Snappy, kdumptest.Zstd} {
			t.Run(fmt.Sprintf("v%d/%v", v, c), func(t *testing.T) {
				s := kspec{version: v, codec: c, info: testInfo, notes: testNotes()}
				d := openT(t, writeTemp(t, "dump", s.build(t)))
				checkKdump(t, d, s)
			})
		}
	}
}

func checkKdump(t *testing.T, d *vmcore.Dump, s kspec) {
	t.Helper()
	if d.Format() != "kdump" || d.PageSize() != pg {
		t.Fatalf("format %q page size %d", d.Format(), d.PageSize())
	}
	if lvl, ok := d.DumpLevel(); !ok || lvl != 31 {
		t.Errorf("DumpLevel = %d, %v", lvl, ok)
	}
	// The sub-header says 0x1000000, VMCOREINFO (v3+) -123: VMCOREINFO wins.
	wantPB := uint64(0x1000000)
	if s.version >= 3 {
		wantPB = uint64(0xffffffffffffff85)
	}
	if pb, ok := d.PhysBase(); !ok || pb != wantPB {
		t.Errorf("PhysBase = 0x%x, %v; want 0x%x", pb, ok, wantPB)
	}
	checkPages(t, d, 200)
	var nRAM, nStored uint64
	for p := uint64(0); p < 200; p++ {
		if ram(p) {
			nRAM++
		}
		if dumped(p) {
			nStored++
		}
	}
	if c := d.Coverage(); c != (vmcore.Coverage{RAMPages: nRAM, StoredPages: nStored, ExcludedPages: nRAM - nStored, TruncatedPages: 0}) {
		t.Errorf("Coverage = %+v, want %d RAM, %d stored", c, nRAM, nStored)
	}
	info := d.VMCoreInfo()
	switch {
	case s.version < 3 && info != nil:
		t.Errorf("version %d: VMCOREINFO %q, want none", s.version, info.Raw())
	case s.version >= 3 && (info == nil || info.OSRelease() != "6.1.0-test"):
		t.Errorf("version %d: VMCOREINFO %v", s.version, info)
	}
	if got := len(d.CPUs()); (s.version >= 4) != (got == 1) {
		t.Errorf("version %d: %d CPUs", s.version, got)
	}
}

// checkPages checks every PFN below n: dumped pages read their bytes,
// filtered ones say excluded (with the level), others not in dump.
func checkPages(t *testing.T, d *vmcore.Dump, n uint64) {
	t.Helper()
	buf := make([]byte, pg)
	for pfn := uint64(0); pfn < n+2; pfn++ {
		_, err := d.ReadPhys(buf, pfn*pg)
		if cerr := d.CheckPhys(pfn*pg + 5); !sameKind(cerr, err) {
			t.Fatalf("PFN %d: CheckPhys %v, ReadPhys %v", pfn, cerr, err)
		}
		var re *vmcore.ReadError
		switch {
		case pfn < n && dumped(pfn):
			if err != nil {
				t.Fatalf("PFN %d: %v", pfn, err)
			}
			equalPage(t, buf, pfn)
		case pfn < n && ram(pfn):
			if !errors.Is(err, vmcore.ErrExcluded) || !errors.As(err, &re) || re.DumpLevel != 31 {
				t.Fatalf("PFN %d: err %v, want excluded at level 31", pfn, err)
			}
		default:
			if !errors.Is(err, vmcore.ErrNotInDump) {
				t.Fatalf("PFN %d: err %v, want not in dump", pfn, err)
			}
		}
	}
}

func TestKdumpPartialAndCrossPageReads(t *testing.T) {
	d := openT(t, writeTemp(t, "dump", kspec{codec: kdumptest.Zlib}.build(t)))
	// PFNs 1 and 2 are both dumped: read across their boundary.
	buf := make([]byte, 100)
	if n, err := d.ReadPhys(buf, 2*pg-50); err != nil || n != 100 {
		t.Fatalf("ReadPhys across pages: %d, %v", n, err)
	}
	if string(buf[:50]) != string(pageData(1)[pg-50:]) || string(buf[50:]) != string(pageData(2)[:50]) {
		t.Fatal("cross-page read returned wrong bytes")
	}
	// PFN 3 is excluded: a read from PFN 2 into it stops there.
	n, err := d.ReadPhys(make([]byte, 2*pg), 2*pg)
	if n != pg || !errors.Is(err, vmcore.ErrExcluded) {
		t.Fatalf("read into excluded page: %d, %v", n, err)
	}
}

func TestKdumpZeroPageShared(t *testing.T) {
	d := openT(t, writeTemp(t, "dump", kspec{codec: kdumptest.Zstd}.build(t)))
	k := d.Kdump()
	var zeroOffs []int64
	_ = k.ForEachDumped(func(pfn, idx uint64) error {
		if pfn%5 == 0 {
			desc, err := k.Descriptor(idx)
			if err != nil {
				t.Fatal(err)
			}
			zeroOffs = append(zeroOffs, desc.Offset)
		}
		return nil
	})
	if len(zeroOffs) < 2 {
		t.Fatal("test data has fewer than two zero pages")
	}
	for _, o := range zeroOffs {
		if o != zeroOffs[0] {
			t.Fatalf("zero pages stored at 0x%x and 0x%x, want one shared copy", zeroOffs[0], o)
		}
	}
}

func TestKdumpIncomplete(t *testing.T) {
	d := openT(t, writeTemp(t, "dump", kspec{codec: kdumptest.Snappy, unwritten: 40}.build(t)))
	if !d.Incomplete() {
		t.Error("Incomplete() = false for a dump with INCOMPLETE status")
	}
	ok, trunc := 0, 0
	buf := make([]byte, pg)
	for pfn := uint64(0); pfn < 200; pfn++ {
		if !dumped(pfn) {
			continue
		}
		_, err := d.ReadPhys(buf, pfn*pg)
		switch {
		case err == nil:
			equalPage(t, buf, pfn)
			ok++
		case errors.Is(err, vmcore.ErrTruncated):
			trunc++
		default:
			t.Fatalf("PFN %d: %v", pfn, err)
		}
	}
	if ok != 40 || trunc == 0 {
		t.Errorf("%d pages read, %d truncated; want 40 and some", ok, trunc)
	}
	if c := d.Coverage(); c.TruncatedPages != uint64(trunc) {
		t.Errorf("Coverage.TruncatedPages = %d, want %d", c.TruncatedPages, trunc)
	}
}

// TestKdumpTruncatedFile cuts a dump at many points: Open either fails with
// a FormatError, or succeeds and every read returns the right bytes or
// ErrTruncated.
func TestKdumpTruncatedFile(t *testing.T) {
	full := kspec{codec: kdumptest.Zlib, info: testInfo, notes: testNotes()}.build(t)
	for cut := 0; cut < len(full); cut += max(len(full)/97, 1) {
		d, err := vmcore.Open(writeTemp(t, "dump", full[:cut]))
		if err != nil {
			if !errors.Is(err, vmcore.ErrFormat) {
				t.Fatalf("cut at %d: Open error %v is not ErrFormat", cut, err)
			}
			continue
		}
		buf := make([]byte, pg)
		for pfn := uint64(0); pfn < 200; pfn++ {
			_, err := d.ReadPhys(buf, pfn*pg)
			if err == nil {
				equalPage(t, buf, pfn)
			} else if dumped(pfn) && !errors.Is(err, vmcore.ErrTruncated) {
				t.Fatalf("cut at %d: PFN %d: %v", cut, pfn, err)
			}
		}
		d.Close()
	}
}

func TestKdumpCorruptPage(t *testing.T) {
	b := kspec{codec: kdumptest.Zlib}.build(t)
	d := openT(t, writeTemp(t, "dump", b))
	desc, err := d.Kdump().Descriptor(0) // PFN 1
	if err != nil || desc.Flags != kdumptest.FlagZlib {
		t.Fatalf("descriptor 0: %+v, %v", desc, err)
	}
	d.Close()
	for i := int64(0); i < int64(desc.Size); i++ {
		b[desc.Offset+i] ^= 0x55
	}
	d = openT(t, writeTemp(t, "dump", b))
	_, err = d.ReadPhys(make([]byte, 8), pg)
	var re *vmcore.ReadError
	if !errors.Is(err, vmcore.ErrDecompress) || !errors.As(err, &re) || re.Offset != desc.Offset {
		t.Fatalf("corrupt page: %v, want ErrDecompress at offset 0x%x", err, desc.Offset)
	}
}

func TestDiskdumpSignature(t *testing.T) {
	d := openT(t, writeTemp(t, "dump", kspec{sig: "DISKDUMP", codec: kdumptest.Zlib}.build(t)))
	if d.Format() != "diskdump" {
		t.Fatalf("format %q", d.Format())
	}
	buf := make([]byte, pg)
	if _, err := d.ReadPhys(buf, pg); err != nil {
		t.Fatal(err)
	}
	equalPage(t, buf, 1)
}

func TestKdumpNotes(t *testing.T) {
	d := openT(t, writeTemp(t, "dump", kspec{codec: kdumptest.Raw, notes: testNotes()}.build(t)))
	cpus := d.CPUs()
	if len(cpus) != 1 {
		t.Fatalf("%d CPUs", len(cpus))
	}
	c := cpus[0]
	for name, want := range map[string]uint64{"RIP": 0xffffffff81000123, "RSP": 0xffffc90000013f00, "RBP": 0x42, "CS": 0x10, "EFLAGS": 0x246, "CR3": 0x1234000, "CR4": 0x1020} {
		if got, ok := c.Reg(name); !ok || got != want {
			t.Errorf("%s = 0x%x, %v; want 0x%x", name, got, ok, want)
		}
	}
	if c.PID != 77 || !c.HasPRStatus || !c.HasQEMU {
		t.Errorf("cpu %+v", c)
	}
	// No VMCOREINFO in the sub-header: the one among the notes is used.
	if info := d.VMCoreInfo(); info == nil || info.OSRelease() != "from-note" {
		t.Errorf("VMCOREINFO from notes: %v", info)
	}
}

// TestKdumpLargeRead reads many pages at once (the parallel path): the
// bytes before the first excluded page, then its error.
func TestKdumpLargeRead(t *testing.T) {
	d := openT(t, writeTemp(t, "dump", kspec{codec: kdumptest.Zlib, maxMapnr: 400}.build(t)))
	// PFNs 1 and 2 are dumped, 3 is excluded.
	buf := make([]byte, 40*pg)
	n, err := d.ReadPhys(buf, pg+100)
	if n != 2*pg-100 || !errors.Is(err, vmcore.ErrExcluded) {
		t.Fatalf("large read: %d, %v", n, err)
	}
	if string(buf[:pg-100]) != string(pageData(1)[100:]) || string(buf[pg-100:2*pg-100]) != string(pageData(2)) {
		t.Error("large read: wrong bytes before the excluded page")
	}
}

// TestKdumpV6Fields: version 6 takes max_mapnr and the split range from
// the 64-bit sub-header fields; older versions from the 32-bit ones.
func TestKdumpV6Fields(t *testing.T) {
	const subHdr = pg // the sub-header starts at block 1
	for _, tc := range []struct {
		version int32
		zeroOld bool // zero the old 32-bit max_mapnr and split fields
		wantOK  bool
	}{
		{6, true, true},
		{5, true, false},
		{5, false, true},
	} {
		b := kspec{version: tc.version, codec: kdumptest.Zlib, split: true, start: 0, end: 200}.build(t)
		if tc.zeroOld {
			binary.LittleEndian.PutUint32(b[440:], 0)       // max_mapnr
			binary.LittleEndian.PutUint64(b[subHdr+16:], 0) // start_pfn
			binary.LittleEndian.PutUint64(b[subHdr+24:], 0) // end_pfn
		}
		d, err := vmcore.Open(writeTemp(t, "dump", b))
		if err != nil {
			t.Fatalf("v%d: %v", tc.version, err)
		}
		_, err = d.ReadPhys(make([]byte, 8), pg)
		if (err == nil) != tc.wantOK {
			t.Errorf("v%d zeroOld=%v: read PFN 1: %v", tc.version, tc.zeroOld, err)
		}
		if tc.version == 6 && !strings.Contains(strings.Join(d.Warnings(), "\n"), "max_mapnr") {
			t.Errorf("v6: no warning for max_mapnr disagreeing: %q", d.Warnings())
		}
		d.Close()
	}
}

// sameKind: both nil, or both of the same sentinel kind.
func sameKind(a, b error) bool {
	for _, k := range []error{vmcore.ErrNotInDump, vmcore.ErrExcluded, vmcore.ErrTruncated} {
		if errors.Is(a, k) != errors.Is(b, k) {
			return false
		}
	}
	return (a == nil) == (b == nil)
}

// TestKdumpV1IgnoresSplit: header version 1 predates the split fields, so
// bytes there are not a PFN range.
func TestKdumpV1IgnoresSplit(t *testing.T) {
	// The pages cover [0, 200) but the (meaningless) split range says [0, 10).
	b := kspec{version: 1, codec: kdumptest.Zlib}.build(t)
	binary.LittleEndian.PutUint32(b[pg+12:], 1)
	binary.LittleEndian.PutUint64(b[pg+24:], 10)
	d := openT(t, writeTemp(t, "dump", b))
	checkPages(t, d, 200)
}
