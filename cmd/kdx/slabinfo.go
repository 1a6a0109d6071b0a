package main

import (
	"context"
	"fmt"
	"io"

	"github.com/kdx-dev/kdx/slab"
)

func init() {
	register(command{name: "slabinfo", summary: "every slab cache: objects, slabs, memory; sorted by memory (the view that shows a leak)", run: runSlabinfo})
}

func runSlabinfo(args []string, stdout, stderr io.Writer) int {
	fs, df := newFlags("slabinfo", "Every SLUB cache with its object size, objects, slabs and memory.", stderr)
	sortBy := fs.String("sort", "size", "order: size (memory), name or objects")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return fail(stderr, "slabinfo", err)
	}
	k, err := openKernel(pos, df)
	if err != nil {
		return fail(stderr, "slabinfo", err)
	}
	defer k.Close()
	s, err := slab.For(k)
	if err != nil {
		return fail(stderr, "slabinfo", err)
	}
	in, err := s.Slabinfo(context.Background())
	if err != nil {
		return fail(stderr, "slabinfo", err)
	}
	if err := slab.SortInfo(in, *sortBy); err != nil {
		return fail(stderr, "slabinfo", err)
	}
	if df.json {
		type line struct {
			slab.Info
			Addr string `json:"addr"`
		}
		out := make([]line, 0, len(in))
		for _, i := range in {
			out = append(out, line{Info: i, Addr: hexAddr(i.Addr)})
		}
		return jsonOut(stdout, stderr, "slabinfo", struct {
			Caches []line `json:"caches"`
		}{out})
	}
	printSlabinfo(stdout, in)
	return 0
}

func printSlabinfo(w io.Writer, in []slab.Info) {
	fmt.Fprintf(w, "%-18s %-24s %7s %7s %10s %10s %8s %5s %10s %s\n",
		"CACHE", "NAME", "OBJSIZE", "SIZE", "ACTIVE", "TOTAL", "SLABS", "ORDER", "MEMORY", "ALIASES")
	for _, i := range in {
		fmt.Fprintf(w, "%-18s %-24s %7d %7d %10d %10d %8d %5d %10s %d\n",
			hexAddr(i.Addr), i.Name, i.ObjSize, i.Size, i.Active, i.Objects, i.Slabs, i.Order, humanBytes(i.Memory), i.Aliases)
	}
}

// humanBytes prints a size with a binary unit.
func humanBytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%dB", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f%c", float64(n)/float64(div), "KMGTP"[exp])
}
