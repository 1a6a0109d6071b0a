package slab

import (
	"context"
	"encoding/binary"
	"fmt"
	"runtime"
	"sort"
	"sync"
)

// slabRec is one slab page as the memory-map scan found it: the raw
// metadata words, decoded lazily by the verifier.
type slabRec struct {
	pfn      uint64
	flags    uint64
	cache    uint64
	freelist uint64
	counters uint64
	next     uint64 // slab_list.next (or the per-CPU partial chain)
	prev     uint64 // slab_list.prev
	order    uint8
}

// memmap is the result of one pass over the whole memory map: every slab
// page of every cache, sorted by page frame.
type memmap struct {
	slabs   []slabRec
	byCache map[uint64][]int32 // cache address -> indices into slabs
	pages   uint64             // struct pages examined
	holes   uint64             // struct pages that could not be read
}

// scanChunk is how many struct pages one work item covers.
const scanChunk = 1024

// scanMemmap reads the memory map [0, maxPFN) in parallel and keeps the
// pages with PG_slab set: the heads of slab pages, since the kernel sets
// PG_slab on the head only. One pass serves every cache.
func (s *SLUB) scanMemmap(ctx context.Context) (*memmap, error) {
	maxPFN, err := s.maxPFN()
	if err != nil {
		return nil, err
	}
	workers := runtime.GOMAXPROCS(0)
	chunks := make(chan uint64, workers)
	// One result slot per chunk: concatenated in chunk order they are
	// sorted by page frame without a sort.
	nChunks := (maxPFN + scanChunk - 1) / scanChunk
	results := make([][]slabRec, nChunks)
	holes := make([]uint64, nChunks)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, (scanChunk+1)*s.lay.pageSize)
			for start := range chunks {
				n, c := min(scanChunk, maxPFN-start), start/scanChunk
				results[c], holes[c] = s.scanRange(buf, start, n, nil, 0)
			}
		}()
	}
	for start := uint64(0); start < maxPFN && ctx.Err() == nil; start += scanChunk {
		chunks <- start
	}
	close(chunks)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return buildMemmap(results, holes, maxPFN), nil
}

func buildMemmap(results [][]slabRec, holes []uint64, pages uint64) *memmap {
	m := &memmap{byCache: map[uint64][]int32{}, pages: pages}
	n := 0
	for _, r := range results {
		n += len(r)
	}
	m.slabs = make([]slabRec, 0, n)
	for c, r := range results {
		m.slabs = append(m.slabs, r...)
		m.holes += holes[c]
	}
	for i, r := range m.slabs {
		m.byCache[r.cache] = append(m.byCache[r.cache], int32(i))
	}
	return m
}

// scanRange scans n struct pages from pfn start; the buffer holds one
// extra struct page so that a head's order (in its first tail page) is at
// hand. Unreadable parts of the memory map (holes) are skipped a page of
// vmemmap at a time.
func (s *SLUB) scanRange(buf []byte, start, n uint64, out []slabRec, holes uint64) ([]slabRec, uint64) {
	ps := s.lay.pageSize
	want := (n + 1) * ps
	if _, err := s.k.Mem.ReadAt(buf[:want], s.lay.slabOfPFN(start)); err == nil {
		return s.parseRange(buf[:want], start, n, out), holes
	}
	perPage := s.lay.page / ps
	for off := uint64(0); off < n; off += perPage {
		m := min(perPage, n-off)
		b := buf[:(m+1)*ps]
		if _, err := s.k.Mem.ReadAt(b, s.lay.slabOfPFN(start+off)); err != nil {
			if _, err := s.k.Mem.ReadAt(b[:m*ps], s.lay.slabOfPFN(start+off)); err != nil {
				holes += m
				continue
			}
			clear(b[m*ps:])
		}
		out = s.parseRange(b, start+off, m, out)
	}
	return out, holes
}

// parseRange decodes n struct pages from b (plus the one after them).
func (s *SLUB) parseRange(b []byte, start, n uint64, out []slabRec) []slabRec {
	l := s.lay
	le := binary.LittleEndian
	for i := uint64(0); i < n; i++ {
		p := b[i*l.pageSize : (i+1)*l.pageSize]
		flags := le.Uint64(p[l.flags:])
		if flags&(1<<l.pgSlab) == 0 {
			continue
		}
		r := slabRec{pfn: start + i, flags: flags, cache: le.Uint64(p[l.cache:]),
			freelist: le.Uint64(p[l.freelist:]), counters: le.Uint64(p[l.counters:]),
			next: le.Uint64(p[l.list:]), prev: le.Uint64(p[l.list+8:])}
		if flags&(1<<l.pgHead) != 0 {
			tail := b[(i+1)*l.pageSize:]
			r.order = uint8(readN(tail[l.order:], l.orderSize))
		}
		out = append(out, r)
	}
	return out
}

// readN reads an n-byte little-endian unsigned integer (n <= 8).
func readN(b []byte, n uint64) uint64 {
	var x uint64
	for i := n; i > 0; i-- {
		x = x<<8 | uint64(b[i-1])
	}
	return x
}

// maxPFN is the kernel's max_pfn, capped by what the dump's ranges allow.
func (s *SLUB) maxPFN() (uint64, error) {
	v, err := s.k.Global("max_pfn")
	if err != nil {
		return 0, fmt.Errorf("memory map scan: %w", err)
	}
	n, err := v.Uint()
	if err != nil {
		return 0, fmt.Errorf("memory map scan: %w", err)
	}
	const limit = 1 << 36 // 256 TiB of 4 KiB pages
	if n == 0 || n > limit {
		return 0, fmt.Errorf("memory map scan: max_pfn %#x is implausible", n)
	}
	return n, nil
}

// find returns the index of the slab whose pages hold pfn, or -1.
func (m *memmap) find(pfn uint64) int {
	i := sort.Search(len(m.slabs), func(i int) bool { return m.slabs[i].pfn > pfn }) - 1
	if i < 0 || pfn >= m.slabs[i].pfn+1<<m.slabs[i].order {
		return -1
	}
	return i
}
