package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/kdx-dev/kdx/kernel"
	"github.com/kdx-dev/kdx/slab"
)

func init() {
	register(command{name: "refs", summary: "every word in memory that points into an address, object or page, and what holds it", run: runRefs})
}

func runRefs(args []string, stdout, stderr io.Writer) int {
	fs, df := newFlags("refs", "Find every word in present memory pointing into --addr (its slab object when it is in one), or with --page into its page and struct page.", stderr)
	addr := fs.String("addr", "", "target address or symbol (required)")
	page := fs.Bool("page", false, "target the whole page holding --addr")
	max := fs.Int("max", 0, "stop after this many references")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return fail(stderr, "refs", err)
	}
	k, err := openKernel(pos, df)
	if err != nil {
		return fail(stderr, "refs", err)
	}
	defer k.Close()
	a, err := parseAddr(k, *addr)
	if err != nil {
		return fail(stderr, "refs", err)
	}
	if _, err := slab.For(k); err != nil {
		fmt.Fprintf(stderr, "kdx refs: slab objects will not be named: %v\n", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	refs, err := k.Refs(ctx, kernel.RefTarget{Addr: a, Page: *page}, kernel.SearchOptions{Max: *max})
	if err != nil {
		return fail(stderr, "refs", err)
	}
	return printRefs(stdout, stderr, "refs", df.json, refs)
}

// printRefs prints references (or search hits) as text or JSON.
func printRefs(stdout, stderr io.Writer, name string, asJSON bool, refs []kernel.Ref) int {
	if asJSON {
		out := struct {
			Refs []kernel.RefJSON `json:"refs"`
		}{Refs: []kernel.RefJSON{}}
		for _, r := range refs {
			out.Refs = append(out.Refs, kernel.RefJSON{Addr: hexAddr(r.Addr), Value: hexAddr(r.Value), What: r.What})
		}
		return jsonOut(stdout, stderr, name, out)
	}
	for _, r := range refs {
		fmt.Fprintf(stdout, "%s: %s  %s\n", hexAddr(r.Addr), hexAddr(r.Value), r.What)
	}
	fmt.Fprintf(stdout, "%d found\n", len(refs))
	return 0
}
