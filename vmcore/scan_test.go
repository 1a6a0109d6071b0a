package vmcore_test

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/kdx-dev/kdx/internal/kdumptest"
	"github.com/kdx-dev/kdx/vmcore"
)

// scanAll collects what ForEachPage hands out: bytes per address and the
// errors.
func scanAll(t *testing.T, d *vmcore.Dump, workers int) (map[uint64][]byte, map[uint64]error) {
	var mu sync.Mutex
	pages, errs := map[uint64][]byte{}, map[uint64]error{}
	err := d.ForEachPage(context.Background(), workers, func(a uint64, p []byte, err error) error {
		mu.Lock()
		defer mu.Unlock()
		if _, dup := pages[a]; dup {
			t.Errorf("page 0x%x handed out twice", a)
		}
		if err != nil {
			errs[a] = err
			return nil
		}
		pages[a] = bytes.Clone(p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pages, errs
}

func TestForEachPageKdump(t *testing.T) {
	d := openT(t, writeTemp(t, "dump", kspec{codec: kdumptest.Zstd, unwritten: 100}.build(t)))
	pages, errs := scanAll(t, d, 3)
	for pfn := uint64(0); pfn < 200; pfn++ {
		p, ok := pages[pfn*pg]
		e := errs[pfn*pg]
		switch {
		case !dumped(pfn) && (ok || e != nil):
			t.Errorf("PFN %d not dumped but scanned", pfn)
		case dumped(pfn) && ok:
			equalPage(t, p, pfn)
		case dumped(pfn) && !errors.Is(e, vmcore.ErrTruncated):
			t.Errorf("PFN %d: %v", pfn, e)
		}
	}
	if len(pages) != 100 || len(errs) == 0 {
		t.Errorf("%d pages, %d errors", len(pages), len(errs))
	}
}

func TestForEachPageELF(t *testing.T) {
	e := kdumptest.ELF{Loads: []kdumptest.Load{
		{Paddr: 0x10000, Data: append(elfPage(1), elfPage(2)...), MemSz: 4 * pg},
		{Paddr: 0x100000, Data: append(elfPage(3), elfPage(4)...)},
	}}
	b := e.Bytes()
	d := openT(t, writeTemp(t, "elf", b[:len(b)-pg/2]))
	pages, errs := scanAll(t, d, 2)
	want := map[uint64][]byte{0x10000: elfPage(1), 0x11000: elfPage(2), 0x12000: make([]byte, pg), 0x13000: make([]byte, pg), 0x100000: elfPage(3)}
	for a, w := range want {
		if !bytes.Equal(pages[a], w) {
			t.Errorf("page 0x%x wrong", a)
		}
	}
	if len(pages) != len(want) || len(errs) != 1 || !errors.Is(errs[0x101000], vmcore.ErrTruncated) {
		t.Errorf("%d pages, errors %v", len(pages), errs)
	}
	stop := errors.New("stop")
	if err := d.ForEachPage(context.Background(), 1, func(uint64, []byte, error) error { return stop }); err != stop {
		t.Errorf("ForEachPage did not return the callback's error: %v", err)
	}
}
