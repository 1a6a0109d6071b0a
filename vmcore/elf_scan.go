package vmcore

import (
	"cmp"
	"context"
	"slices"
	"sync"
)

// forEachPage hands out the segments' pages in file order, in batches, to
// workers that pass slices of the mapping itself (no copy). Pages at an
// unaligned segment edge are shorter than a page.
func (e *elfMem) forEachPage(ctx context.Context, workers int, fn PageFunc) error {
	segs := slices.Clone(e.segs)
	slices.SortFunc(segs, func(a, b pseg) int { return cmp.Compare(a.fileOff, b.fileOff) })
	type job struct{ lo, hi uint64 }
	const batch = 256 * 4096
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	jobs := make(chan job, workers*2)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer restoreFaults(faultsAsPanics())
			zero := make([]byte, e.pageSize)
			buf := make([]byte, batch)
			for j := range jobs {
				if ctx.Err() == nil {
					if err := e.scanRange(j.lo, j.hi, buf, zero, fn); err != nil {
						cancel(err)
					}
				}
			}
		}()
	}
feed:
	for _, s := range segs {
		for lo := s.start; lo < s.end; {
			hi := s.end
			if s.end-lo > batch {
				hi = (lo + batch) &^ (e.pageSize - 1)
			}
			select {
			case jobs <- job{lo, hi}:
			case <-ctx.Done():
				break feed
			}
			lo = hi
		}
	}
	close(jobs)
	wg.Wait()
	return context.Cause(ctx)
}

// scanRange reads [lo, hi) of one segment with one bulk read and hands out
// its pages; the zero-filled tail and the truncated part are handled page
// by page.
func (e *elfMem) scanRange(lo, hi uint64, buf, zero []byte, fn PageFunc) error {
	s := e.segs[e.find(lo)]
	rel := lo - s.start
	var n uint64 // bytes of [lo, hi) read from the file
	if rel < s.fileSz {
		want := min(hi-lo, s.fileSz-rel)
		n = uint64(e.m.readBulk(buf[:want], s.fileOff+int64(rel)))
	}
	for a := lo; a < hi; {
		next := hi
		if hi-a > e.pageSize-a%e.pageSize {
			next = a - a%e.pageSize + e.pageSize
		}
		var page []byte
		var err error
		switch r := a - s.start; {
		case a-lo+(next-a) <= n:
			page = buf[a-lo : next-lo]
		case r >= s.fileSz:
			page = zero[:next-a]
		default: // straddles the end of file data: read it exactly
			page = make([]byte, next-a)
			if _, err = e.readSegGuarded(page, a, s); err != nil {
				page = nil
			}
		}
		if ferr := fn(a, page, err); ferr != nil {
			return ferr
		}
		a = next
	}
	return nil
}

func (e *elfMem) readSegGuarded(p []byte, a uint64, s pseg) (n int, err error) {
	defer catchFault(e.m.path, a, &err)
	return e.readSeg(p, a, s)
}
