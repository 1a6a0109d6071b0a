package vmcore

import (
	"context"
	"encoding/binary"
	"fmt"
	"runtime"
	"slices"
	"sync"
)

// kdumpMem is physical memory backed by one kdump file or the parts of a
// split dump (each holding a PFN range).
type kdumpMem struct {
	parts    []*KdumpFile // sorted by startPFN, disjoint
	pageSize uint64
	maxMapnr uint64
	level    int
	cache    *pageCache
	bufs     sync.Pool

	rangesOnce sync.Once
	ranges     []PhysRange
}

func newKdumpMem(parts []*KdumpFile, level int) *kdumpMem {
	ps := uint64(parts[0].blockSize)
	m := &kdumpMem{parts: parts, pageSize: ps, level: level, cache: newPageCache(defaultCache, int(ps))}
	for _, p := range parts {
		m.maxMapnr = max(m.maxMapnr, p.maxMapnr)
	}
	m.bufs.New = func() any { b := make([]byte, ps); return &b }
	return m
}

func (m *kdumpMem) part(pfn uint64) *KdumpFile {
	i, ok := slices.BinarySearchFunc(m.parts, pfn, func(k *KdumpFile, p uint64) int {
		switch {
		case k.endPFN <= p:
			return -1
		case k.startPFN > p:
			return 1
		}
		return 0
	})
	if !ok {
		return nil
	}
	return m.parts[i]
}

// parallelRead is the read size from which ReadPhys decodes the pages of
// one request on all cores.
const parallelRead = 16 << 12

func (m *kdumpMem) readPhys(p []byte, paddr uint64) (int, error) {
	if len(p) >= parallelRead {
		return m.readParallel(p, paddr)
	}
	return m.readSerial(p, paddr)
}

// readParallel splits a large read at page boundaries and reads the pieces
// concurrently; the result is what readSerial would return: the bytes
// before the first failing piece, and its error.
func (m *kdumpMem) readParallel(p []byte, paddr uint64) (int, error) {
	first := int(m.pageSize - paddr%m.pageSize)
	n := 1 + (len(p)-first+int(m.pageSize)-1)/int(m.pageSize)
	piece := func(i int) (int, int) {
		if i == 0 {
			return 0, first
		}
		lo := first + (i-1)*int(m.pageSize)
		return lo, min(lo+int(m.pageSize), len(p))
	}
	got := make([]int, n)
	errs := make([]error, n)
	workers := min(runtime.GOMAXPROCS(0), n)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			defer restoreFaults(faultsAsPanics())
			for i := w; i < n; i += workers {
				lo, hi := piece(i)
				if lo < hi {
					got[i], errs[i] = m.readGuarded(p[lo:hi], paddr+uint64(lo))
				}
			}
		}(w)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			lo, _ := piece(i)
			return lo + got[i], err
		}
	}
	return len(p), nil
}

func (m *kdumpMem) readGuarded(p []byte, paddr uint64) (n int, err error) {
	defer catchFault(m.parts[0].src.name(), paddr, &err)
	return m.readSerial(p, paddr)
}

func (m *kdumpMem) readSerial(p []byte, paddr uint64) (int, error) {
	done := 0
	for done < len(p) {
		a := paddr + uint64(done)
		pfn, off := a/m.pageSize, int(a%m.pageSize)
		chunk := p[done:min(len(p), done+int(m.pageSize)-off)]
		if !m.cache.get(pfn, chunk, off) {
			bp := m.bufs.Get().(*[]byte)
			err := m.readPage(pfn, *bp)
			if err != nil {
				m.bufs.Put(bp)
				return done, err
			}
			m.cache.put(pfn, *bp)
			copy(chunk, (*bp)[off:])
			m.bufs.Put(bp)
		}
		done += len(chunk)
	}
	return done, nil
}

func (m *kdumpMem) check(paddr uint64) error {
	pfn := paddr / m.pageSize
	k := m.part(pfn)
	if k == nil {
		return &ReadError{Kind: ErrNotInDump, File: m.parts[0].src.name(), Addr: paddr, Offset: -1, DumpLevel: -1, Detail: "PFN outside the dump"}
	}
	if err := k.dumpedOrWhy(pfn, m.level); err != nil {
		return err
	}
	d, err := k.Descriptor(k.descIndex(pfn))
	if err != nil {
		err.(*ReadError).Addr = paddr
		return err
	}
	if d.Offset == 0 {
		return &ReadError{Kind: ErrTruncated, File: k.src.name(), Addr: paddr, Offset: -1, DumpLevel: -1, Detail: "page descriptor never written (dump incomplete)"}
	}
	if d.Offset < 0 || d.Offset+int64(d.Size) > k.src.size() {
		return &ReadError{Kind: ErrTruncated, File: k.src.name(), Addr: paddr, Offset: d.Offset, DumpLevel: -1, Detail: "stored page is past the end of the file"}
	}
	return nil
}

// dumpedOrWhy is nil for a dumped PFN, else why it is not.
func (k *KdumpFile) dumpedOrWhy(pfn uint64, level int) error {
	if bit(k.dumped, pfn) {
		return nil
	}
	addr := pfn * uint64(k.blockSize)
	if bit(k.present, pfn) {
		return &ReadError{Kind: ErrExcluded, File: k.src.name(), Addr: addr, Offset: -1, DumpLevel: level}
	}
	return &ReadError{Kind: ErrNotInDump, File: k.src.name(), Addr: addr, Offset: -1, DumpLevel: -1, Detail: "no RAM at this PFN"}
}

// readPage decodes page pfn into dst without the cache.
func (m *kdumpMem) readPage(pfn uint64, dst []byte) error {
	k := m.part(pfn)
	if k == nil {
		name := m.parts[0].src.name()
		detail := fmt.Sprintf("PFN 0x%x beyond max_mapnr 0x%x", pfn, m.maxMapnr)
		if pfn < m.maxMapnr {
			detail = fmt.Sprintf("PFN 0x%x is in no part of the split dump", pfn)
		}
		return &ReadError{Kind: ErrNotInDump, File: name, Addr: pfn * m.pageSize, Offset: -1, DumpLevel: -1, Detail: detail}
	}
	return k.readPage(pfn, dst, m.level)
}

func (k *KdumpFile) readPage(pfn uint64, dst []byte, level int) error {
	if err := k.dumpedOrWhy(pfn, level); err != nil {
		return err
	}
	d, err := k.Descriptor(k.descIndex(pfn))
	if err != nil {
		err.(*ReadError).Addr = pfn * uint64(k.blockSize)
		return err
	}
	return k.decode(pfn, d, dst)
}

func (k *KdumpFile) decode(pfn uint64, d PageDesc, dst []byte) error {
	addr := pfn * uint64(k.blockSize)
	fail := func(kind error, detail string, err error) error {
		return &ReadError{Kind: kind, File: k.src.name(), Addr: addr, Offset: k.src.fileOffset(d.Offset), DumpLevel: -1, Detail: detail, Err: err}
	}
	if d.Offset == 0 {
		return &ReadError{Kind: ErrTruncated, File: k.src.name(), Addr: addr, Offset: -1, DumpLevel: -1, Detail: "page descriptor never written (dump incomplete)"}
	}
	// A compressed page is normally smaller than a page (makedumpfile
	// stores it raw otherwise), but an encoder's worst case is allowed.
	if d.Offset < 0 || int64(d.Size) > 2*k.blockSize || d.Size == 0 {
		return fail(ErrDecompress, fmt.Sprintf("descriptor offset 0x%x size %d invalid", d.Offset, d.Size), nil)
	}
	if z := k.zero.Load(); z != nil && *z == (PageDesc{Offset: d.Offset, Size: d.Size, Flags: d.Flags}) {
		clear(dst)
		return nil
	}
	src, ok := k.src.slice(d.Offset, int64(d.Size))
	if !ok {
		buf := make([]byte, d.Size)
		if !k.src.readStored(buf, d.Offset) {
			return &ReadError{Kind: ErrTruncated, File: k.src.name(), Addr: addr, Offset: d.Offset, DumpLevel: -1,
				Detail: fmt.Sprintf("stored page of %d bytes at 0x%x is not (all) in the file", d.Size, d.Offset)}
		}
		src = buf[:d.Size]
	}
	if err := decodePage(dst, src, d.Flags); err != nil {
		return fail(ErrDecompress, "", err)
	}
	k.noteZero(d, dst)
	return nil
}

// noteZero remembers the first stored page that decodes to zeros. Writers
// store the zero page once and point every zero page's descriptor at it,
// so later descriptors with the same offset, size and flags need no
// decoding (the same stored bytes decode the same way, whichever page
// they were written for).
func (k *KdumpFile) noteZero(d PageDesc, page []byte) {
	if k.zero.Load() != nil || !allZero(page) {
		return
	}
	z := PageDesc{Offset: d.Offset, Size: d.Size, Flags: d.Flags}
	k.zero.CompareAndSwap(nil, &z)
}

func allZero(b []byte) bool {
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b) != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func (m *kdumpMem) presentRanges() []PhysRange {
	m.rangesOnce.Do(func() { m.ranges = m.computeRanges() })
	return slices.Clone(m.ranges)
}

func (m *kdumpMem) computeRanges() []PhysRange {
	var out []PhysRange
	for _, k := range m.parts {
		_ = k.ForEachDumped(func(pfn, _ uint64) error {
			a := pfn * m.pageSize
			if n := len(out); n > 0 && out[n-1].End == a {
				out[n-1].End += m.pageSize
			} else {
				out = append(out, PhysRange{a, a + m.pageSize})
			}
			return nil
		})
	}
	return out
}

// forEachPage decodes in parallel: the producer walks the descriptors in
// file order and hands out batches; each worker decodes with its own
// buffer, bypassing the cache so a scan does not evict the working set.
func (m *kdumpMem) forEachPage(ctx context.Context, workers int, fn PageFunc) error {
	type job struct {
		k    *KdumpFile
		pfns []uint64
		idx  []uint64
	}
	const batch = 256
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	jobs := make(chan job, workers*2)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer restoreFaults(faultsAsPanics())
			buf := make([]byte, m.pageSize)
			for j := range jobs {
				for i, pfn := range j.pfns {
					if ctx.Err() != nil {
						break
					}
					err := j.k.pageGuarded(pfn, j.idx[i], buf)
					page := buf
					if err != nil {
						page = nil
					}
					if ferr := fn(pfn*m.pageSize, page, err); ferr != nil {
						cancel(ferr)
					}
				}
			}
		}()
	}
	for _, k := range m.parts {
		cur := job{k: k}
		_ = k.ForEachDumped(func(pfn, idx uint64) error {
			cur.pfns, cur.idx = append(cur.pfns, pfn), append(cur.idx, idx)
			if len(cur.pfns) == batch {
				select {
				case jobs <- cur:
				case <-ctx.Done():
					return ctx.Err()
				}
				cur = job{k: k}
			}
			return nil
		})
		if len(cur.pfns) > 0 && ctx.Err() == nil {
			jobs <- cur
		}
	}
	close(jobs)
	wg.Wait()
	return context.Cause(ctx)
}

func (k *KdumpFile) pageGuarded(pfn, idx uint64, dst []byte) (err error) {
	defer catchFault(k.src.name(), pfn*uint64(k.blockSize), &err)
	return k.pageAt(pfn, idx, dst)
}

// pageAt decodes the page whose descriptor index is already known.
func (k *KdumpFile) pageAt(pfn, idx uint64, dst []byte) error {
	d, err := k.Descriptor(idx)
	if err != nil {
		err.(*ReadError).Addr = pfn * uint64(k.blockSize)
		return err
	}
	return k.decode(pfn, d, dst)
}

// ReadPage decodes page pfn of this file into dst (one page long).
func (k *KdumpFile) ReadPage(pfn uint64, dst []byte) (err error) {
	defer restoreFaults(faultsAsPanics())
	defer catchFault(k.src.name(), pfn*uint64(k.blockSize), &err)
	if uint64(len(dst)) != uint64(k.blockSize) {
		return fmt.Errorf("vmcore: ReadPage: buffer of %d bytes, page size %d", len(dst), k.blockSize)
	}
	if pfn < k.startPFN || pfn >= k.endPFN {
		return &ReadError{Kind: ErrNotInDump, File: k.src.name(), Addr: pfn * uint64(k.blockSize), Offset: -1, DumpLevel: -1}
	}
	return k.readPage(pfn, dst, int(k.dumpLevel))
}

func (m *kdumpMem) coverage() Coverage {
	var c Coverage
	for _, k := range m.parts {
		c.RAMPages += countBits(k.present, k.startPFN, k.endPFN)
		c.StoredPages += countBits(k.dumped, k.startPFN, k.endPFN)
	}
	if c.RAMPages > c.StoredPages {
		c.ExcludedPages = c.RAMPages - c.StoredPages
	}
	for _, k := range m.parts {
		c.TruncatedPages += k.unreadable()
	}
	return c
}

// unreadable counts descriptors never written (offset 0) or pointing past
// the end of the file, reading the table in large chunks.
func (k *KdumpFile) unreadable() uint64 {
	var bad uint64
	buf := make([]byte, 4096*descSize)
	size := k.src.size()
	for i := uint64(0); i < k.nDesc; {
		n := min(k.nDesc-i, 4096)
		b := buf[:n*descSize]
		got := uint64(k.src.readAt(b, k.descOff+int64(i)*descSize)) / descSize
		for j := uint64(0); j < got; j++ {
			off := int64(binary.LittleEndian.Uint64(b[j*descSize:]))
			sz := int64(binary.LittleEndian.Uint32(b[j*descSize+8:]))
			if off <= 0 || off > size-sz {
				bad++
			}
		}
		bad += n - got // descriptors themselves past the end
		i += n
	}
	return bad
}
