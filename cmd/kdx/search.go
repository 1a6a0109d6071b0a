package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"

	"github.com/kdx-dev/kdx/kernel"
	"github.com/kdx-dev/kdx/slab"
)

func init() {
	register(command{name: "search", summary: "search all present memory for a 64-bit value (with a mask), like crash's search -p", run: runSearch})
}

func runSearch(args []string, stdout, stderr io.Writer) int {
	fs, df := newFlags("search", "Search every present page for aligned 64-bit words equal to --value under --mask.", stderr)
	value := fs.String("value", "", "the value, hex (required)")
	mask := fs.String("mask", "", "compare only these bits (hex); default all")
	max := fs.Int("max", 0, "stop after this many hits")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return fail(stderr, "search", err)
	}
	v, err := parseHex("--value", *value)
	if err != nil {
		return fail(stderr, "search", err)
	}
	var m uint64
	if *mask != "" {
		if m, err = parseHex("--mask", *mask); err != nil {
			return fail(stderr, "search", err)
		}
	}
	k, err := openKernel(pos, df)
	if err != nil {
		return fail(stderr, "search", err)
	}
	defer k.Close()
	if _, err := slab.For(k); err != nil {
		fmt.Fprintf(stderr, "kdx search: slab objects will not be named: %v\n", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	hits, err := k.Search(ctx, v, kernel.SearchOptions{Mask: m, Max: *max})
	if err != nil {
		return fail(stderr, "search", err)
	}
	return printRefs(stdout, stderr, "search", df.json, k.Classify(hits))
}

func parseHex(flagName, s string) (uint64, error) {
	if s == "" {
		return 0, fmt.Errorf("%s is required", flagName)
	}
	v, err := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(s), "0x"), 16, 64)
	if err != nil {
		return 0, fmt.Errorf("%s %q: not a hex number", flagName, s)
	}
	return v, nil
}
