package kernel

import (
	"context"
	"encoding/binary"
	"errors"
	"sort"
	"sync"
)

// SearchOptions tune a whole-memory search.
type SearchOptions struct {
	Mask    uint64 // bits of each word compared; 0 means all
	Workers int    // 0 means one per CPU
	Max     int    // stop after this many hits; 0 means DefaultSearchMax
}

// DefaultSearchMax bounds the hits a search keeps.
const DefaultSearchMax = 1 << 20

// Hit is one matching word: where it is (physical, and its direct-map
// address) and what it holds. Each physical word is reported once, so the
// kernel image's second mapping of the same pages adds no duplicates.
type Hit struct {
	Phys  uint64
	Addr  uint64 // direct-map virtual address of the word
	Value uint64
}

var errEnough = errors.New("enough hits")

// Search finds every aligned 64-bit word in present memory with
// word&mask == value&mask, scanning all present pages in parallel.
// Unreadable pages are skipped.
func (k *Kernel) Search(ctx context.Context, value uint64, opt SearchOptions) ([]Hit, error) {
	mask := opt.Mask
	if mask == 0 {
		mask = ^uint64(0)
	}
	return k.scanWords(ctx, opt, matcher{mask: mask, want: value & mask})
}

// Range is a half-open range of virtual addresses [Lo, Hi).
type Range struct{ Lo, Hi uint64 }

// SearchRanges finds every word whose value falls in one of the ranges:
// the pointers into them.
func (k *Kernel) SearchRanges(ctx context.Context, rs []Range, opt SearchOptions) ([]Hit, error) {
	rs = append([]Range(nil), rs...)
	sort.Slice(rs, func(i, j int) bool { return rs[i].Lo < rs[j].Lo })
	m := matcher{ranges: rs, lo: ^uint64(0)}
	for _, r := range rs {
		m.lo, m.span = min(m.lo, r.Lo), max(m.span, r.Hi)
	}
	if len(rs) == 0 || m.span <= m.lo {
		return nil, nil
	}
	m.span -= m.lo
	return k.scanWords(ctx, opt, m)
}

// matcher selects words: by value under a mask, or (ranges set) by
// falling in one of the ranges, first tested against their hull [lo,
// lo+span) with one compare, which rejects nearly every word.
type matcher struct {
	mask, want uint64
	ranges     []Range
	lo, span   uint64
}

// scan appends the matching words of one page; kept free of calls in the
// loop so that it runs at memory speed.
func (m *matcher) scan(page []byte, pa, po uint64, out []Hit) []Hit {
	n := len(page) &^ 7
	if m.ranges == nil {
		for i := 0; i < n; i += 8 {
			if w := binary.LittleEndian.Uint64(page[i:]); w&m.mask == m.want {
				out = append(out, Hit{Phys: pa + uint64(i), Addr: po + pa + uint64(i), Value: w})
			}
		}
		return out
	}
	for i := 0; i < n; i += 8 {
		if w := binary.LittleEndian.Uint64(page[i:]); w-m.lo < m.span && inRanges(m.ranges, w) {
			out = append(out, Hit{Phys: pa + uint64(i), Addr: po + pa + uint64(i), Value: w})
		}
	}
	return out
}

// scanWords runs match over every word of every present page.
func (k *Kernel) scanWords(ctx context.Context, opt SearchOptions, m matcher) ([]Hit, error) {
	limit := opt.Max
	if limit <= 0 {
		limit = DefaultSearchMax
	}
	po, _ := k.Mem.PageOffset()
	var mu sync.Mutex
	var hits []Hit
	err := k.Dump.ForEachPage(ctx, opt.Workers, func(pa uint64, page []byte, err error) error {
		if err != nil {
			return nil
		}
		local := m.scan(page, pa, po, nil)
		if len(local) == 0 {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		hits = append(hits, local...)
		if len(hits) >= limit {
			return errEnough
		}
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		return nil, err
	}
	sort.Slice(hits, func(i, j int) bool { return hits[i].Phys < hits[j].Phys })
	if len(hits) > limit {
		hits = hits[:limit]
	}
	return hits, nil
}
