package vmcore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/kdx-dev/kdx/internal/fixture"
	"github.com/kdx-dev/kdx/internal/kdumptest"
)

// Fuzz targets: every parser of dump bytes. Seeds are small synthetic files
// from kdumptest and, when the fixtures exist, the leading bytes of the
// real dumps (headers, bitmaps, notes and the first pages).

func realSeeds(f *testing.F, formats []string, n int) {
	dir := filepath.Join(fixture.Dir(), "clean")
	for _, name := range formats {
		fh, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		b := make([]byte, n)
		m, _ := fh.Read(b)
		fh.Close()
		f.Add(b[:m])
	}
}

func synthKdump(version int32, c kdumptest.Codec) []byte {
	h := kdumptest.Header{Version: version, MaxMapnr: 64, Status: c.Flag(), DumpLevel: 31,
		VMCoreInfo: []byte("OSRELEASE=x\nSYMBOL(init_top_pgt)=ffffffff80001000\nNUMBER(phys_base)=0\n"),
		Notes:      kdumptest.PRStatus(1, map[string]uint64{"RIP": 1})}
	for p := uint64(1); p < 64; p += 2 {
		h.Present = append(h.Present, p)
		if p%3 != 0 {
			h.Dumped = append(h.Dumped, p)
		}
	}
	var buf kdumptest.Buffer
	w, _ := kdumptest.NewWriter(&buf, h.Bytes(), 4096, uint64(len(h.Dumped)), c)
	page := make([]byte, 4096)
	for i, p := range h.Dumped {
		page[i] = byte(p)
		w.Add(page, 0)
	}
	w.Close()
	return buf.B
}

// exercise opens b and reads through every interface with bounded work.
func exercise(t *testing.T, b []byte) {
	d, err := openBytes("fuzz", b)
	if err != nil {
		if d != nil {
			t.Fatal("error with a non-nil dump")
		}
		return
	}
	defer d.Close()
	if c := d.Coverage(); c.TruncatedPages > c.StoredPages {
		t.Fatalf("coverage %+v", c)
	}
	buf := make([]byte, 8192)
	rs := d.PresentRanges()
	for i, r := range rs {
		if i > 16 {
			break
		}
		for _, a := range []uint64{r.Start, r.End - 1, r.Start + (r.End-r.Start)/2} {
			n, err := d.ReadPhys(buf, a)
			if err == nil && n != len(buf) || n > len(buf) {
				t.Fatalf("ReadPhys(0x%x) = %d, %v", a, n, err)
			}
		}
	}
	var pages atomic.Int32
	stop := errors.New("stop")
	_ = d.ForEachPage(context.Background(), 2, func(uint64, []byte, error) error {
		if pages.Add(1) > 64 {
			return stop
		}
		return nil
	})
	km, err := NewKernelMemory(d, KernelConfig{PageOffsetBaseSym: 0xffffffff81000000})
	if err != nil {
		return
	}
	for _, va := range []uint64{0xffffffff81000000, 0xffff888000000000, 0xffffc90000000000, 0xffffea0000000000} {
		km.ReadAt(buf[:64], va)
	}
	walked := 0
	// One PUD's worth of range: at most 1+1+512 tables for any input.
	_ = km.ForEachMapping(0xffffffff80000000, 0xffffffffc0000000, func(uint64, uint64, uint64) error {
		if walked++; walked > 1000 {
			return stop
		}
		return nil
	})
}

func FuzzKdump(f *testing.F) {
	for v := int32(1); v <= 6; v++ {
		f.Add(synthKdump(v, kdumptest.Zlib))
	}
	f.Add(synthKdump(6, kdumptest.Snappy))
	f.Add(synthKdump(6, kdumptest.Zstd))
	realSeeds(f, []string{"kdump-zlib", "kdump-c31", "kdump-l31", "kdump-snappy", "kdump-zstd"}, 128<<10)
	f.Fuzz(exercise)
}

func FuzzFlattened(f *testing.F) {
	f.Add(kdumptest.FlatBytes(kdumptest.Flatten(synthKdump(6, kdumptest.Zlib), 1000)))
	recs := kdumptest.Flatten(synthKdump(5, kdumptest.Raw), 3000)
	kdumptest.Shuffle(recs, 1)
	f.Add(kdumptest.FlatBytes(recs))
	realSeeds(f, []string{"kdump-zlib.flat", "kdump-c31.flat"}, 128<<10)
	f.Fuzz(exercise)
}

func FuzzELF(f *testing.F) {
	page := make([]byte, 4096)
	page[8] = 0x63
	f.Add(kdumptest.ELF{
		Notes: append(kdumptest.VMCoreInfoNote("OSRELEASE=x\nSYMBOL(init_top_pgt)=ffffffff80000000\nNUMBER(phys_base)=0\n"),
			kdumptest.QEMUCPU(1, 2, [5]uint64{0, 0, 0, 0x1000, 0})...),
		Loads: []kdumptest.Load{{Paddr: 0, Data: page, MemSz: 1 << 20}, {Paddr: 0x1000, Vaddr: 0xffffffff81000000, Data: page}},
	}.Bytes())
	realSeeds(f, []string{"elf", "elf-virt", "proc-vmcore.elf"}, 64<<10)
	f.Fuzz(exercise)
}

func FuzzVMCoreInfo(f *testing.F) {
	f.Add([]byte("OSRELEASE=6.1\nPAGESIZE=4096\nSYMBOL(x)=ffff\nNUMBER(y)=-1\nOFFSET(a.b)=8\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		v := ParseVMCoreInfo(b)
		for _, k := range v.Keys() {
			if _, ok := v.Get(k); !ok {
				t.Fatalf("key %q listed but not found", k)
			}
		}
		v.PageSize()
		v.CrashTime()
		v.KernelOffset()
	})
}

func FuzzNotes(f *testing.F) {
	f.Add(append(kdumptest.PRStatus(3, map[string]uint64{"RIP": 5}), kdumptest.QEMUCPU(1, 2, [5]uint64{})...))
	f.Fuzz(func(t *testing.T, b []byte) {
		d := &Dump{}
		d.parseNotes(b, "fuzz")
		for i, c := range d.cpus {
			if c.CPU != i {
				t.Fatalf("cpu %d has index %d", i, c.CPU)
			}
		}
	})
}

// FuzzDecodePage feeds every codec arbitrary page data: an error or
// exactly one page, never a panic.
func FuzzDecodePage(f *testing.F) {
	page := make([]byte, 4096)
	for i := range page {
		page[i] = byte(i / 7)
	}
	for _, c := range []kdumptest.Codec{kdumptest.Zlib, kdumptest.Snappy, kdumptest.Zstd} {
		data, flags := kdumptest.Compress(c, page)
		f.Add(data, flags)
	}
	f.Add(kdumptest.LZOLiteral(page), uint32(FlagLZO))
	f.Fuzz(func(t *testing.T, src []byte, flags uint32) {
		dst := make([]byte, 4096)
		_ = decodePage(dst, src, flags)
	})
}
