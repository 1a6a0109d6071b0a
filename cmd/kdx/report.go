package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/kdx-dev/kdx/report"
	"github.com/kdx-dev/kdx/slab"
	"github.com/kdx-dev/kdx/tui"
)

func init() {
	register(command{name: "report", summary: "write a markdown report: identity, panic, log, slabinfo, findings", run: runReport})
}

// runReport is `kdx report -o FILE.md [--force] DUMP [VMLINUX]`: what the
// browser's :export writes, with every slab cache checked for findings.
func runReport(args []string, stdout, stderr io.Writer) int {
	fs, df := newFlags("report", "Write a markdown report of the dump (checks every slab cache first).", stderr)
	out := fs.String("o", "", "the markdown file to write (required)")
	force := fs.Bool("force", false, "overwrite the file if it exists")
	noCheck := fs.Bool("no-check", false, "do not run the slab check (faster; no findings)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return fail(stderr, "report", err)
	}
	if *out == "" {
		return fail(stderr, "report", errors.New("-o FILE.md is required"))
	}
	k, err := openKernel(pos, df)
	if err != nil {
		return fail(stderr, "report", err)
	}
	defer k.Close()
	b := tui.NewKernelBackend(k)
	var s tui.Session
	if !*noCheck {
		if sl, err := slab.For(k); err != nil {
			fmt.Fprintf(stderr, "kdx report: slab check skipped: %v\n", err)
		} else if res, err := sl.Check(context.Background(), slab.CheckOptions{Suspect: true}); err != nil {
			fmt.Fprintf(stderr, "kdx report: slab check failed: %v\n", err)
		} else {
			s.Findings = res.Findings
		}
	}
	in, err := report.Gather(k, b.ReportOptions(s))
	if err != nil {
		return fail(stderr, "report", err)
	}
	if err := report.WriteFile(*out, in, *force); err != nil {
		return fail(stderr, "report", err)
	}
	fmt.Fprintf(stdout, "wrote %s: %d findings\n", *out, len(in.Findings))
	if len(in.Findings) > 0 {
		return 1
	}
	return 0
}
