package vmcore_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/kdx-dev/kdx/internal/kdumptest"
	"github.com/kdx-dev/kdx/vmcore"
)

func TestFlattened(t *testing.T) {
	full := kspec{codec: kdumptest.Zlib, info: testInfo, notes: testNotes()}.build(t)
	garbage := kdumptest.Record{Off: 0, Data: bytes.Repeat([]byte{0xee}, 3000)}
	for _, tc := range []struct {
		name    string
		recs    func() []kdumptest.Record
		overlap bool
	}{
		{"in order", func() []kdumptest.Record { return kdumptest.Flatten(full, 4096) }, false},
		{"odd sizes shuffled", func() []kdumptest.Record {
			r := kdumptest.Flatten(full, 1000)
			kdumptest.Shuffle(r, 7)
			return r
		}, false},
		{"overwritten records", func() []kdumptest.Record {
			return append([]kdumptest.Record{garbage}, kdumptest.Flatten(full, 777)...)
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := openT(t, writeTemp(t, "flat", kdumptest.FlatBytes(tc.recs())))
			if d.Format() != "flattened" || d.Compression() != "zlib" {
				t.Fatalf("format %q %q", d.Format(), d.Compression())
			}
			checkPages(t, d, 200)
			if d.VMCoreInfo() == nil || d.VMCoreInfo().OSRelease() != "6.1.0-test" {
				t.Error("VMCOREINFO missing from flattened dump")
			}
			warned := strings.Contains(strings.Join(d.Warnings(), "\n"), "overlap")
			if warned != tc.overlap {
				t.Errorf("overlap warning %v, want %v: %q", warned, tc.overlap, d.Warnings())
			}
		})
	}
}

func TestFlattenedTruncated(t *testing.T) {
	full := kspec{codec: kdumptest.Snappy}.build(t)
	flat := kdumptest.FlatBytes(kdumptest.Flatten(full, 4096))
	cut := flat[:len(flat)-5000]
	d := openT(t, writeTemp(t, "flat", cut))
	if !strings.Contains(strings.Join(d.Warnings(), "\n"), "truncated") {
		t.Errorf("no truncation warning: %q", d.Warnings())
	}
	buf := make([]byte, pg)
	good, trunc := 0, 0
	for pfn := uint64(0); pfn < 200; pfn++ {
		if !dumped(pfn) {
			continue
		}
		_, err := d.ReadPhys(buf, pfn*pg)
		switch {
		case err == nil:
			equalPage(t, buf, pfn)
			good++
		case errors.Is(err, vmcore.ErrTruncated) || errors.Is(err, vmcore.ErrDecompress):
			trunc++
		default:
			t.Fatalf("PFN %d: %v", pfn, err)
		}
	}
	if good == 0 || trunc == 0 {
		t.Errorf("%d good, %d truncated pages", good, trunc)
	}
}

func TestSplit(t *testing.T) {
	a := kspec{codec: kdumptest.Zstd, split: true, start: 0, end: 90, info: testInfo}.build(t)
	b := kspec{codec: kdumptest.Zlib, split: true, start: 90, end: 200, info: testInfo}.build(t)
	pa, pb := writeTemp(t, "part1", a), writeTemp(t, "part2", b)
	d := openT(t, pb, pa) // any order
	// One part flattened: still one dump.
	pbFlat := writeTemp(t, "part2.flat", kdumptest.FlatBytes(kdumptest.Flatten(b, 5000)))
	checkPages(t, openT(t, pa, pbFlat), 200)
	if d.Format() != "split kdump" {
		t.Fatalf("format %q", d.Format())
	}
	checkPages(t, d, 200)
	n := 0
	for _, r := range d.PresentRanges() {
		n += int(r.End-r.Start) / pg
	}
	want := 0
	for p := uint64(0); p < 200; p++ {
		if dumped(p) {
			want++
		}
	}
	if n != want {
		t.Errorf("PresentRanges covers %d pages, want %d", n, want)
	}
	if strings.Contains(strings.Join(d.Warnings(), "\n"), "split dump") {
		t.Errorf("complete split dump warns: %q", d.Warnings())
	}
	c := kspec{codec: kdumptest.Zlib, split: true, start: 150, end: 200}.build(t)
	gap := openT(t, pa, writeTemp(t, "part3", c))
	if !strings.Contains(strings.Join(gap.Warnings(), "\n"), "0x5a-0x96") {
		t.Errorf("no warning for the missing PFNs 90-150: %q", gap.Warnings())
	}
	if _, err := vmcore.Open(pa, pa); !errors.Is(err, vmcore.ErrFormat) {
		t.Errorf("same part twice: %v, want ErrFormat", err)
	}
	whole := writeTemp(t, "whole", kspec{codec: kdumptest.Zlib}.build(t))
	if _, err := vmcore.Open(pa, whole); !errors.Is(err, vmcore.ErrFormat) {
		t.Errorf("split part with a whole dump: %v, want ErrFormat", err)
	}
}

// TestFlattenedLostRecord drops one record of page data from the middle
// of a flattened stream: that page must fail as truncated, not read as
// zeros.
func TestFlattenedLostRecord(t *testing.T) {
	full := kspec{codec: kdumptest.Raw}.build(t)
	recs := kdumptest.Flatten(full, pg)
	d0 := openT(t, writeTemp(t, "whole", full))
	desc, err := d0.Kdump().Descriptor(10)
	if err != nil {
		t.Fatal(err)
	}
	var kept []kdumptest.Record
	for _, r := range recs {
		if r.Off != desc.Offset&^(pg-1) {
			kept = append(kept, r)
		}
	}
	d := openT(t, writeTemp(t, "flat", kdumptest.FlatBytes(kept)))
	var pfn uint64
	_ = d.Kdump().ForEachDumped(func(p, idx uint64) error {
		if idx == 10 {
			pfn = p
		}
		return nil
	})
	if _, err := d.ReadPhys(make([]byte, pg), pfn*pg); !errors.Is(err, vmcore.ErrTruncated) {
		t.Fatalf("page in a lost record: %v, want ErrTruncated", err)
	}
}
