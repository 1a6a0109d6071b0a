package tui

import (
	"context"

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

// Check runs the verifier one cache at a time, so that progress moves and
// findings reach the browser as each cache is done; for all caches it then
// runs the outlier scan (which votes across a cache's objects and follows
// pointers between caches) over everything, and walks every global list
// head, as kdx check does.
func (s slabBackend) Check(ctx context.Context, cache string, progress func(done, total int), found func(kernel.Finding)) error {
	run := func(o slab.CheckOptions) error {
		res, err := s.b.slab.Check(ctx, o)
		if err != nil {
			return err
		}
		for _, f := range res.Findings {
			found(f)
		}
		return nil
	}
	if cache != "" {
		progress(0, 1)
		if err := run(slab.CheckOptions{Caches: []string{cache}, Suspect: true}); err != nil {
			return err
		}
		progress(1, 1)
		return nil
	}
	caches := s.b.slab.Caches()
	total := len(caches) + 2 // then the outlier scan, then the lists
	for i, c := range caches {
		progress(i, total)
		if err := run(slab.CheckOptions{Caches: []string{c.Name}}); err != nil {
			return err
		}
	}
	progress(len(caches), total)
	if err := run(slab.CheckOptions{Suspect: true}); err != nil {
		return err
	}
	progress(len(caches)+1, total)
	gl, err := s.b.K.CheckGlobalLists(ctx)
	if err != nil {
		return err
	}
	for _, f := range gl.Findings {
		found(f)
	}
	progress(total, total)
	return nil
}
