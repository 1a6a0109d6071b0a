package vmcore_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kdx-dev/kdx/internal/fixture"
	"github.com/kdx-dev/kdx/vmcore"
)

// Dump families whose files hold the same memory snapshot, byte for byte.
// QEMU's elf and elf-virt are taken at other moments of the running guest
// than kdump-zlib, so across those only the kernel text must agree.
var (
	liveSnapshot = []string{"kdump-zlib", "kdump-zlib.flat", "kdump-snappy", "kdump-zstd"}
	liveMoments  = []string{"elf", "elf-virt"}
	captureFam   = []string{"proc-vmcore.elf", "kdump-c31", "kdump-c31.flat", "kdump-l31"}
)

type probe struct {
	kind string // "phys", "text", "direct", "vmalloc", "module", "vmemmap"
	addr uint64
}

// probes picks addresses of every kind from a reference dump.
func probes(t *testing.T, d *vmcore.Dump, km *vmcore.KernelMemory, scenario string) []probe {
	var out []probe
	var phys []uint64
	for _, r := range d.PresentRanges() {
		phys = append(phys, r.Start, (r.End-1)&^0xfff)
	}
	total := uint64(0)
	for _, r := range d.PresentRanges() {
		total += r.End - r.Start
	}
	step := max(total/400, 4096) &^ 0xfff
	for _, r := range d.PresentRanges() {
		for a := r.Start; a < r.End; a += step {
			phys = append(phys, a&^0xfff)
		}
	}
	for _, a := range phys {
		out = append(out, probe{"phys", a})
	}
	s := symbols(t)
	k := km.KASLROffset()
	for a := s["_stext"]; a < s["_etext"]; a += 64 << 12 {
		out = append(out, probe{"text", a + k})
	}
	if po, ok := km.PageOffset(); ok {
		for _, a := range phys {
			out = append(out, probe{"direct", po + a})
		}
	}
	out = append(out, leaves(km, "vmalloc", km.VmallocBase(), km.VmallocBase()+32<<40, 64)...)
	out = append(out, leaves(km, "module", 0xffffffffc0000000, 0xfffffffffe000000, 64)...)
	if tr := readTruth(t, scenario); tr != nil {
		for _, l := range tr.Lists {
			out = append(out, probe{"module", hexAddr(l.HeadAddr) &^ 0xfff})
		}
		for _, smp := range tr.Samples {
			out = append(out, probe{"vmemmap", hexAddr(smp.Slab) &^ 0xfff}, probe{"direct", hexAddr(smp.Addr) &^ 0xfff})
		}
	}
	if vm := km.VmemmapBase(); vm != 0 {
		if sz, ok := d.VMCoreInfo().Size("page"); ok {
			for _, a := range phys[:min(len(phys), 64)] {
				out = append(out, probe{"vmemmap", (vm + a/4096*sz) &^ 0xfff})
			}
		}
	}
	return out
}

// leaves returns up to n mapped pages of [lo, hi), spread over the range's
// mappings.
func leaves(km *vmcore.KernelMemory, kind string, lo, hi uint64, n int) []probe {
	var out []probe
	stop := errors.New("enough")
	_ = km.ForEachMapping(lo, hi, func(va, pa, size uint64) error {
		out = append(out, probe{kind, max(va, lo)})
		if len(out) >= n {
			return stop
		}
		return nil
	})
	return out
}

type result struct {
	data []byte
	err  error
}

func readProbe(km *vmcore.KernelMemory, p probe) result {
	buf := make([]byte, 4096)
	var err error
	if p.kind == "phys" {
		_, err = km.Dump().ReadPhys(buf, p.addr)
	} else {
		_, err = km.ReadAt(buf, p.addr)
	}
	return result{buf, err}
}

func kmem(t testing.TB, d *vmcore.Dump) *vmcore.KernelMemory {
	t.Helper()
	km, err := vmcore.NewKernelMemory(d, kernelConfig(t))
	if err != nil {
		t.Fatalf("NewKernelMemory(%s): %v", d.Paths()[0], err)
	}
	return km
}

// TestRealSameBytes reads the same physical and virtual addresses from
// every format of a dump family and requires the same bytes; in the
// capture family a page may instead be excluded by -d 31 in the filtered
// files, and must then say so.
func TestRealSameBytes(t *testing.T) {
	fixture.Dumps(t)
	for _, sc := range fixture.Scenarios {
		for _, fam := range [][]string{liveSnapshot, captureFam} {
			fs := present(sc, fam...)
			if len(fs) < 2 {
				continue
			}
			t.Run(sc+"/"+fs[0], func(t *testing.T) { compareFamily(t, sc, fs) })
		}
	}
}

func compareFamily(t *testing.T, sc string, formats []string) {
	ref := openT(t, fixture.DumpPath(t, sc, formats[0]))
	refKM := kmem(t, ref)
	ps := probes(t, ref, refKM, sc)
	want := make([]result, len(ps))
	for i, p := range ps {
		want[i] = readProbe(refKM, p)
	}
	for _, f := range formats[1:] {
		d := openT(t, fixture.DumpPath(t, sc, f))
		km := kmem(t, d)
		same := map[string]int{}
		excluded := 0
		for i, p := range ps {
			got := readProbe(km, p)
			if p.kind == "phys" {
				if cerr := d.CheckPhys(p.addr); !sameKind(cerr, got.err) && !errors.Is(got.err, vmcore.ErrDecompress) {
					t.Errorf("%s: 0x%x: CheckPhys %v, ReadPhys %v", f, p.addr, cerr, got.err)
				}
			}
			if err := agree(want[i], got); err != nil {
				t.Errorf("%s vs %s: %s 0x%x: %v", formats[0], f, p.kind, p.addr, err)
				continue
			}
			if got.err == nil {
				same[p.kind]++
			}
			if want[i].err == nil && errors.Is(got.err, vmcore.ErrExcluded) {
				excluded++
			}
		}
		if lvl, ok := d.DumpLevel(); ok && lvl == 31 && excluded == 0 {
			t.Errorf("%s: no page the unfiltered %s holds reads as excluded", f, formats[0])
		}
		for _, kind := range []string{"phys", "text", "direct", "vmalloc", "module", "vmemmap"} {
			if same[kind] == 0 {
				t.Errorf("%s vs %s: no %s address read the same in both", formats[0], f, kind)
			}
		}
		t.Logf("%s vs %s: identical reads by kind: %v; excluded: %d", formats[0], f, same, excluded)
	}
}

// agree accepts equal bytes, or the same failure, or a page the filtered
// dump excluded.
func agree(want, got result) error {
	switch {
	case want.err == nil && got.err == nil:
		if !bytes.Equal(want.data, got.data) {
			return errors.New("bytes differ")
		}
	case want.err == nil && errors.Is(got.err, vmcore.ErrExcluded):
		var re *vmcore.ReadError
		if !errors.As(got.err, &re) || re.DumpLevel != 31 {
			return fmt.Errorf("excluded without dump level 31: %v", got.err)
		}
	case (want.err == nil) != (got.err == nil):
		return fmt.Errorf("reference error %v, this error %v", want.err, got.err)
	}
	return nil
}

// TestRealQEMUMoments compares QEMU's elf and elf-virt dumps with its kdump
// one: they are taken at different moments of the running guest, so only
// the kernel text must be identical; most other memory is too.
func TestRealQEMUMoments(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: reads across whole real dumps")
	}
	fixture.Dumps(t)
	for _, sc := range fixture.Scenarios {
		fs := present(sc, append([]string{"kdump-zlib"}, liveMoments...)...)
		if len(fs) < 2 || fs[0] != "kdump-zlib" {
			continue
		}
		t.Run(sc, func(t *testing.T) {
			ref := openT(t, fixture.DumpPath(t, sc, fs[0]))
			refKM := kmem(t, ref)
			ps := probes(t, ref, refKM, sc)
			for _, f := range fs[1:] {
				km := kmem(t, openT(t, fixture.DumpPath(t, sc, f)))
				same, n := 0, 0
				for _, p := range ps {
					want, got := readProbe(refKM, p), readProbe(km, p)
					if p.kind == "text" {
						if err := agree(want, got); err != nil || got.err != nil {
							t.Errorf("%s: kernel text 0x%x: %v / %v", f, p.addr, err, got.err)
						}
					}
					if want.err == nil {
						n++
						if got.err == nil && bytes.Equal(want.data, got.data) {
							same++
						}
					}
				}
				if same*10 < n*8 {
					t.Errorf("%s: only %d of %d probed pages equal kdump-zlib's", f, same, n)
				}
				t.Logf("%s: %d of %d probed pages equal kdump-zlib's", f, same, n)
			}
		})
	}
}

// TestRealNotes checks what every fixture dump says about itself: the
// release in VMCOREINFO, CPU registers, the dump level of the filtered
// files, and agreement on the KASLR offset within a family.
func TestRealNotes(t *testing.T) {
	for _, fd := range fixture.Dumps(t) {
		t.Run(fd.Scenario+"/"+fd.Format, func(t *testing.T) {
			d := openT(t, fd.Path)
			info := d.VMCoreInfo()
			if info == nil {
				t.Fatal("no VMCOREINFO")
			}
			if got := info.OSRelease(); got != fixture.Release {
				t.Errorf("OSRELEASE = %q, want %q", got, fixture.Release)
			}
			off, ok := info.KernelOffset()
			if !ok {
				t.Error("no KERNELOFFSET")
			}
			// SYMBOL() values are runtime addresses: minus the offset they
			// are the vmlinux's.
			checked := 0
			for _, sym := range []string{"init_top_pgt", "_stext", "init_uts_ns", "node_online_map", "prb"} {
				link, inMap := symbols(t)[sym]
				if v, ok := info.Symbol(sym); ok && inMap {
					checked++
					if v-off != link {
						t.Errorf("SYMBOL(%s) 0x%x - KERNELOFFSET 0x%x != vmlinux 0x%x", sym, v, off, link)
					}
				}
			}
			if checked < 2 {
				t.Errorf("only %d SYMBOL() entries could be checked", checked)
			}
			if v, ok := info.Symbol("init_top_pgt"); !ok || v == 0 {
				t.Error("no SYMBOL(init_top_pgt)")
			}
			cpus := d.CPUs()
			if len(cpus) == 0 {
				t.Fatal("no CPU notes")
			}
			for _, c := range cpus {
				if rip, ok := c.Reg("RIP"); !ok || rip == 0 {
					t.Errorf("CPU %d: RIP 0x%x, %v", c.CPU, rip, ok)
				}
			}
			lvl, ok := d.DumpLevel()
			cov := d.Coverage()
			if strings.Contains(fd.Format, "31") && (!ok || lvl != 31 || cov.ExcludedPages == 0) {
				t.Errorf("dump level %d, %v, coverage %+v; want 31 with pages excluded", lvl, ok, cov)
			}
			if cov.StoredPages == 0 || cov.StoredPages > cov.RAMPages || cov.TruncatedPages != 0 {
				t.Errorf("coverage %+v", cov)
			}
			if len(d.Warnings()) > 0 {
				t.Logf("warnings: %q", d.Warnings())
			}
			km := kmem(t, d)
			if _, from, ok := km.Root(); !ok || from != "init_top_pgt" {
				t.Errorf("page-table root from %q, %v", from, ok)
			}
			if _, ok := km.PageOffset(); !ok {
				t.Errorf("page_offset_base not read: %q", km.Warnings())
			}
		})
	}
}

// TestRealMakedumpfile runs the host's makedumpfile on the capture
// kernel's /proc/vmcore copy in several ways (split, flattened, LZO,
// unfiltered, ELF output) and compares each result with the original.
func TestRealMakedumpfile(t *testing.T) {
	src := fixture.DumpPath(t, "clean", "proc-vmcore.elf")
	mdf, err := exec.LookPath("makedumpfile")
	if err != nil {
		t.Skip("makedumpfile not installed")
	}
	ref := openT(t, src)
	refKM := kmem(t, ref)
	ps := probes(t, ref, refKM, "clean")
	want := make([]result, len(ps))
	for i, p := range ps {
		want[i] = readProbe(refKM, p)
	}
	for _, tc := range []struct {
		name    string
		args    []string
		parts   int
		stdout  bool // -F writes the stream to stdout
		format  string
		filterd bool // -d 31: pages may be excluded (or, for ELF output, absent)
	}{
		{"split", []string{"--split", "-c", "-d", "31"}, 2, false, "split kdump", true},
		{"flattened", []string{"-F", "-c", "-d", "31"}, 1, true, "flattened", true},
		{"lzo", []string{"-l", "-d", "31"}, 1, false, "kdump", true},
		{"unfiltered", []string{"-c", "-d", "0"}, 1, false, "kdump", false},
		{"elf-filtered", []string{"-E", "-d", "31"}, 1, false, "elf", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			paths := makedumpfile(t, mdf, src, tc.args, tc.parts, tc.stdout)
			d := openT(t, paths...)
			if d.Format() != tc.format {
				t.Fatalf("format %q, want %q", d.Format(), tc.format)
			}
			km := kmem(t, d)
			same, missing := 0, 0
			for i, p := range ps {
				got := readProbe(km, p)
				// makedumpfile's ELF output has no bitmap: it leaves long
				// excluded runs out of the PT_LOADs and writes short ones
				// (and segment tails) as zeros.
				elfGap := tc.format == "elf" && (errors.Is(got.err, vmcore.ErrNotInDump) || got.err == nil && allZero(got.data))
				if tc.filterd && want[i].err == nil && (errors.Is(got.err, vmcore.ErrExcluded) || elfGap) && !bytes.Equal(want[i].data, got.data) {
					missing++
					continue
				}
				if err := agree(want[i], got); err != nil {
					t.Errorf("%s 0x%x: %v", p.kind, p.addr, err)
				} else if got.err == nil {
					same++
				}
			}
			if same < 100 || (tc.filterd && missing == 0) || (!tc.filterd && missing != 0) {
				t.Errorf("%d identical reads, %d missing", same, missing)
			}
			t.Logf("%d identical reads, %d excluded or absent", same, missing)
		})
	}
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// makedumpfile runs it on src into a temporary directory.
func makedumpfile(t *testing.T, mdf, src string, args []string, parts int, stdout bool) []string {
	dir := t.TempDir()
	var outs []string
	for i := 0; i < parts; i++ {
		outs = append(outs, filepath.Join(dir, fmt.Sprintf("part%d", i)))
	}
	var cmd *exec.Cmd
	var msg bytes.Buffer
	if stdout {
		f, err := os.Create(outs[0])
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cmd = exec.Command(mdf, append(args, src)...)
		cmd.Stdout, cmd.Stderr = f, &msg
	} else {
		cmd = exec.Command(mdf, append(append(args, src), outs...)...)
		cmd.Stdout, cmd.Stderr = &msg, &msg
	}
	if err := cmd.Run(); err != nil {
		t.Fatalf("makedumpfile %v: %v\n%s", args, err, msg.Bytes())
	}
	return outs
}

// TestRealLargeRead reads 4 MiB at once (decoded in parallel) and page by
// page, from two codecs of the same snapshot: all four must agree.
func TestRealLargeRead(t *testing.T) {
	a := openT(t, fixture.DumpPath(t, "clean", "kdump-zlib"))
	b := openT(t, fixture.DumpPath(t, "clean", "kdump-zstd"))
	const at, size = 16 << 20, 4 << 20
	big := make([]byte, size)
	if n, err := a.ReadPhys(big, at); err != nil || n != size {
		t.Fatalf("large read: %d, %v", n, err)
	}
	page := make([]byte, 4096)
	for off := 0; off < size; off += 4096 {
		if _, err := b.ReadPhys(page, at+uint64(off)); err != nil || !bytes.Equal(page, big[off:off+4096]) {
			t.Fatalf("page at 0x%x differs or fails: %v", at+off, err)
		}
	}
	other := make([]byte, size)
	if _, err := b.ReadPhys(other, at); err != nil || !bytes.Equal(other, big) {
		t.Fatalf("large reads differ between codecs: %v", err)
	}
	km := kmem(t, b)
	po, ok := km.PageOffset()
	if !ok {
		t.Fatal("page_offset_base unknown")
	}
	clear(other)
	if n, err := km.ReadAt(other, po+at); err != nil || n != size || !bytes.Equal(other, big) {
		t.Fatalf("large direct-map read: %d, %v", n, err)
	}
}
