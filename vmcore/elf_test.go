package vmcore_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/kdx-dev/kdx/internal/kdumptest"
	"github.com/kdx-dev/kdx/vmcore"
)

func elfPage(b byte) []byte {
	p := make([]byte, pg)
	for i := range p {
		p[i] = b + byte(i)
	}
	return p
}

func TestELFSegments(t *testing.T) {
	e := kdumptest.ELF{
		Notes: testNotes(),
		Loads: []kdumptest.Load{
			{Paddr: 0x100000, Data: append(elfPage(1), elfPage(2)...)},
			{Paddr: 0x10000, Data: elfPage(3), MemSz: 3 * pg}, // zero-filled tail; out of order
		},
	}
	d := openT(t, writeTemp(t, "elf", e.Bytes()))
	if d.Format() != "elf" || d.Compression() != "" {
		t.Fatalf("format %q %q", d.Format(), d.Compression())
	}
	for _, tc := range []struct {
		addr uint64
		want []byte
		err  error
	}{
		{0x100000, elfPage(1), nil},
		{0x101000, elfPage(2), nil},
		{0x10000, elfPage(3), nil},
		{0x11000, make([]byte, pg), nil},
		{0x12000, make([]byte, pg), nil},
		{0x13000, nil, vmcore.ErrNotInDump},
		{0x102000, nil, vmcore.ErrNotInDump},
		{0, nil, vmcore.ErrNotInDump},
	} {
		buf := make([]byte, pg)
		_, err := d.ReadPhys(buf, tc.addr)
		if cerr := d.CheckPhys(tc.addr); !sameKind(cerr, err) {
			t.Errorf("0x%x: CheckPhys %v, ReadPhys %v", tc.addr, cerr, err)
		}
		if !errors.Is(err, tc.err) || (tc.err == nil && string(buf) != string(tc.want)) {
			t.Errorf("ReadPhys(0x%x): %v, want %v", tc.addr, err, tc.err)
		}
	}
	want := []vmcore.PhysRange{{0x10000, 0x13000}, {0x100000, 0x102000}}
	if got := d.PresentRanges(); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("PresentRanges = %v, want %v", got, want)
	}
	if len(d.CPUs()) != 1 || d.VMCoreInfo() == nil {
		t.Errorf("notes: %d CPUs, VMCOREINFO %v", len(d.CPUs()), d.VMCoreInfo())
	}
}

func TestELFTruncatedAndIncomplete(t *testing.T) {
	e := kdumptest.ELF{Flags: 1, Loads: []kdumptest.Load{{Paddr: 0, Data: append(elfPage(1), elfPage(2)...)}}}
	b := e.Bytes()
	d := openT(t, writeTemp(t, "elf", b[:len(b)-pg-100]))
	if !d.Incomplete() {
		t.Error("e_flags bit 0 not reported as incomplete")
	}
	if !strings.Contains(strings.Join(d.Warnings(), "\n"), "truncated") {
		t.Errorf("no truncation warning: %q", d.Warnings())
	}
	buf := make([]byte, 2*pg)
	n, err := d.ReadPhys(buf, 0)
	var re *vmcore.ReadError
	if n != pg-100 || !errors.Is(err, vmcore.ErrTruncated) || !errors.As(err, &re) || re.Addr != pg-100 {
		t.Fatalf("read past the end: %d, %v", n, err)
	}
	if string(buf[:n]) != string(elfPage(1)[:n]) {
		t.Error("bytes before the truncation point are wrong")
	}
	if c := d.Coverage(); c.StoredPages != 2 || c.TruncatedPages != 2 {
		t.Errorf("Coverage = %+v, want 2 stored, 2 truncated", c)
	}
}

func TestELFOverlapWarning(t *testing.T) {
	e := kdumptest.ELF{Loads: []kdumptest.Load{
		{Paddr: 0, Data: append(elfPage(1), elfPage(2)...)},
		{Paddr: pg, Data: append(elfPage(7), elfPage(8)...)},
	}}
	d := openT(t, writeTemp(t, "elf", e.Bytes()))
	if !strings.Contains(strings.Join(d.Warnings(), "\n"), "overlap") {
		t.Errorf("no overlap warning: %q", d.Warnings())
	}
	buf := make([]byte, pg)
	for addr, want := range map[uint64][]byte{pg: elfPage(2), 2 * pg: elfPage(8)} {
		if _, err := d.ReadPhys(buf, addr); err != nil || string(buf) != string(want) {
			t.Errorf("0x%x: %v", addr, err)
		}
	}
}

func TestOpenRejects(t *testing.T) {
	exe := kdumptest.ELF{Loads: []kdumptest.Load{{Data: elfPage(0)}}}.Bytes()
	exe[16] = 2 // ET_EXEC
	for name, b := range map[string][]byte{
		"garbage":   []byte("this is no dump at all, not even close"),
		"ET_EXEC":   exe,
		"short elf": []byte("\x7fELF\x02\x01"),
		"no loads":  kdumptest.ELF{Notes: testNotes()}.Bytes(),
		"short kd":  []byte("KDUMP   \x06\x00"),
		"flat hdr":  []byte("makedumpfile\x00\x00\x00\x00"),
	} {
		d, err := vmcore.Open(writeTemp(t, "f", b))
		if err == nil || d != nil || !errors.Is(err, vmcore.ErrFormat) {
			t.Errorf("%s: Open = %v, %v; want ErrFormat", name, d, err)
		}
	}
}
