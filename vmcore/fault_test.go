package vmcore_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/kdx-dev/kdx/internal/kdumptest"
	"github.com/kdx-dev/kdx/vmcore"
)

// TestFileShrinksWhileOpen truncates dump files after Open: reads of the
// lost part must fail with ErrTruncated instead of killing the process
// with SIGBUS.
func TestFileShrinksWhileOpen(t *testing.T) {
	kd := writeTemp(t, "kdump", kspec{codec: kdumptest.Raw, maxMapnr: 400}.build(t))
	e := kdumptest.ELF{Loads: []kdumptest.Load{{Paddr: 0, Data: make([]byte, 64*pg)}}}
	el := writeTemp(t, "elf", e.Bytes())
	flat := writeTemp(t, "flat", kdumptest.FlatBytes(kdumptest.Flatten(kspec{codec: kdumptest.Raw, maxMapnr: 400}.build(t), 4096)))
	for _, path := range []string{kd, el, flat} {
		d := openT(t, path)
		if err := os.Truncate(path, 8*pg); err != nil {
			t.Fatal(err)
		}
		var sawTrunc bool
		buf := make([]byte, pg)
		for pfn := uint64(0); pfn < 64; pfn++ {
			if _, err := d.ReadPhys(buf, pfn*pg); errors.Is(err, vmcore.ErrTruncated) {
				sawTrunc = true
			}
			d.CheckPhys(pfn * pg)
		}
		if !sawTrunc {
			t.Errorf("%s: no read reported the truncation", path)
		}
		// Large (parallel) reads and scans survive too.
		d.ReadPhys(make([]byte, 32*pg), 0)
		d.ForEachPage(context.Background(), 2, func(uint64, []byte, error) error { return nil })
	}
}
