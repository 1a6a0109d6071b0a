package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/kdx-dev/kdx/internal/kdumptest"
	"github.com/kdx-dev/kdx/vmcore"
)

// source builds a zlib kdump of 300 PFNs (every third one filtered out,
// every fifth all zeros); with unwritten > 0 the descriptors from that
// index on are left zero and the header says INCOMPLETE.
func source(t *testing.T, unwritten int) []byte {
	h := kdumptest.Header{Release: "6.1-test", MaxMapnr: 300, Status: kdumptest.FlagZlib, DumpLevel: 31,
		VMCoreInfo: []byte("OSRELEASE=6.1-test\n"), Notes: kdumptest.PRStatus(1, map[string]uint64{"RIP": 7})}
	for p := uint64(0); p < 300; p++ {
		h.Present = append(h.Present, p)
		if p%3 != 0 {
			h.Dumped = append(h.Dumped, p)
		}
	}
	if unwritten > 0 {
		h.Status |= kdumptest.StatusIncomplete
	}
	var buf kdumptest.Buffer
	w, err := kdumptest.NewWriter(&buf, h.Bytes(), 4096, uint64(len(h.Dumped)), kdumptest.Zlib)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range h.Dumped {
		page := make([]byte, 4096)
		if p%5 != 0 {
			for j := range page {
				page[j] = byte(p) ^ byte(j/16)
			}
		}
		if unwritten > 0 && i >= unwritten {
			err = w.AddUnwritten()
		} else {
			err = w.Add(page, p)
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

func TestReencode(t *testing.T) {
	plain := source(t, 0)
	flat := kdumptest.FlatBytes(kdumptest.Flatten(plain, 1500))
	for _, tc := range []struct {
		name  string
		in    []byte
		codec kdumptest.Codec
	}{
		{"zlib to snappy", plain, kdumptest.Snappy},
		{"zlib to zstd", plain, kdumptest.Zstd},
		{"flattened to zlib", flat, kdumptest.Zlib},
		{"zlib to raw", plain, kdumptest.Raw},
		{"incomplete to zstd", source(t, 50), kdumptest.Zstd},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			in, out := filepath.Join(dir, "in"), filepath.Join(dir, "out")
			if err := os.WriteFile(in, tc.in, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := reencode(in, out, tc.codec, true); err != nil {
				t.Fatal(err)
			}
			checkOutput(t, in, out, tc.codec)
			if left, _ := filepath.Glob(filepath.Join(dir, ".out.tmp-*")); len(left) > 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
}

func checkOutput(t *testing.T, in, out string, c kdumptest.Codec) {
	a, err := vmcore.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := vmcore.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ka, kb := a.Kdump(), b.Kdump()
	wantStatus := ka.Status()&^kdumptest.StatusCodecMask | c.Flag()
	if kb.Status() != wantStatus {
		t.Errorf("status 0x%x, want 0x%x", kb.Status(), wantStatus)
	}
	ha, _ := ka.HeaderBytes()
	hb, _ := kb.HeaderBytes()
	binary.LittleEndian.PutUint32(ha[vmcore.StatusOffset:], wantStatus)
	if !bytes.Equal(ha, hb) {
		t.Error("headers, notes or bitmaps differ beyond the status codec bits")
	}
	flags := map[uint32]int{}
	pa, pb := make([]byte, 4096), make([]byte, 4096)
	err = ka.ForEachDumped(func(pfn, idx uint64) error {
		ea, eb := ka.ReadPage(pfn, pa), kb.ReadPage(pfn, pb)
		if errors.Is(ea, vmcore.ErrTruncated) != errors.Is(eb, vmcore.ErrTruncated) || (ea == nil && !bytes.Equal(pa, pb)) {
			t.Errorf("PFN %d: %v / %v", pfn, ea, eb)
		}
		d, _ := kb.Descriptor(idx)
		if d.Offset != 0 {
			flags[d.Flags]++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if c != kdumptest.Raw && flags[c.Flag()] == 0 {
		t.Errorf("no page stored with flag 0x%x: %v", c.Flag(), flags)
	}
	if c == kdumptest.Raw && len(flags) != 1 {
		t.Errorf("raw output has flags %v", flags)
	}
}

func TestReencodeRejects(t *testing.T) {
	dir := t.TempDir()
	elf := filepath.Join(dir, "elf")
	os.WriteFile(elf, kdumptest.ELF{Loads: []kdumptest.Load{{Data: make([]byte, 4096)}}}.Bytes(), 0o644)
	if err := reencode(elf, filepath.Join(dir, "out"), kdumptest.Zstd, true); err == nil {
		t.Error("an ELF dump was accepted")
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); err == nil {
		t.Error("output written for a rejected input")
	}
}
