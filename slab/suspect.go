package slab

import (
	"context"

	"github.com/kdx-dev/kdx/kernel"
)

type suspectScan struct{}

func (s *SLUB) newSuspectScan(sel []*Cache) *suspectScan { return &suspectScan{} }

func (s *SLUB) collectSuspect(c *Cache, v *slabView, mark []uint8) {}

func (s *SLUB) finishSuspect(ctx context.Context, sus *suspectScan, jobs []slabJob, mm *memmap) []kernel.Finding {
	return nil
}
