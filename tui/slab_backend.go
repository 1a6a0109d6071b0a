package tui

import (
	"context"
	"fmt"

	"github.com/kdx-dev/kdx/kernel"
	"github.com/kdx-dev/kdx/slab"
)

// slabBackend adapts package slab to SlabBackend.
type slabBackend struct{ b *KernelBackend }

func (s slabBackend) Slabinfo() ([]CacheRow, error) {
	info, err := s.b.slab.Slabinfo(context.Background())
	if err != nil {
		return nil, err
	}
	out := make([]CacheRow, 0, len(info))
	for _, i := range info {
		out = append(out, CacheRow{Name: i.Name, Addr: i.Addr, ObjSize: i.ObjSize, Size: i.Size,
			Active: i.Active, Total: i.Objects, Slabs: i.Slabs, MemBytes: i.Memory, ObjectType: s.b.cacheType(i.Name)})
	}
	return out, nil
}

// Slabs and Objects need a per-slab listing that package slab does not
// export yet.
func (s slabBackend) Slabs(cache string) ([]SlabRow, error) {
	return nil, fmt.Errorf("kmem -S %s: listing a cache's slabs is not available yet (use :check %s)", cache, cache)
}

func (s slabBackend) Objects(sl uint64) ([]ObjectRow, error) {
	return nil, fmt.Errorf("slab %#x: listing a slab's objects is not available yet", sl)
}

// Check runs the verifier one cache at a time, so that progress moves and
// findings reach the browser as each cache is done.
func (s slabBackend) Check(ctx context.Context, cache string, progress func(done, total int), found func(kernel.Finding)) error {
	names := []string{cache}
	if cache == "" {
		names = names[:0]
		for _, c := range s.b.slab.Caches() {
			names = append(names, c.Name)
		}
	}
	for i, n := range names {
		progress(i, len(names))
		res, err := s.b.slab.Check(ctx, slab.CheckOptions{Caches: []string{n}})
		if err != nil {
			return err
		}
		for _, f := range res.Findings {
			found(f)
		}
	}
	progress(len(names), len(names))
	return nil
}
