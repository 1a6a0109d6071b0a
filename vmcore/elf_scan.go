package vmcore

import (
	"context"
	"slices"
	"sync"

	"golang.org/x/sys/unix"
)

// forEachPage hands out the segments' pages in file order, in batches, to
// workers that pass slices of the mapping itself (no copy). Pages at an
// unaligned segment edge are shorter than a page.
func (e *elfMem) forEachPage(ctx context.Context, workers int, fn PageFunc) error {
	segs := slices.Clone(e.segs)
	slices.SortFunc(segs, func(a, b pseg) int { return cmpInt64(a.fileOff, b.fileOff) })
	e.m.advise(unix.MADV_SEQUENTIAL)
	defer e.m.advise(unix.MADV_NORMAL)
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
			zero := make([]byte, e.pageSize)
			for j := range jobs {
				if ctx.Err() == nil {
					if err := e.scanRange(j.lo, j.hi, zero, fn); err != nil {
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

func (e *elfMem) scanRange(lo, hi uint64, zero []byte, fn PageFunc) error {
	s := e.segs[e.find(lo)]
	size := uint64(len(e.m.data))
	for a := lo; a < hi; {
		next := hi
		if hi-a > e.pageSize-a%e.pageSize {
			next = a - a%e.pageSize + e.pageSize
		}
		rel := a - s.start
		var page []byte
		var err error
		switch fo := uint64(s.fileOff) + rel; {
		case rel >= s.fileSz:
			page = zero[:next-a]
		case rel+(next-a) > s.fileSz:
			page = make([]byte, next-a)
			_, err = e.readSeg(page, a, s)
		case fo+(next-a) > size:
			err = e.truncated(a, fo)
		default:
			page = e.m.data[fo : fo+next-a : fo+next-a]
		}
		if err != nil {
			page = nil
		}
		if ferr := fn(a, page, err); ferr != nil {
			return ferr
		}
		a = next
	}
	return nil
}
