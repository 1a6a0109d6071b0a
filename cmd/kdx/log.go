package main

import (
	"fmt"
	"io"

	"github.com/kdx-dev/kdx/kernel"
)

func init() {
	register(command{name: "log", summary: "the kernel log (printk ring buffer), oldest first", run: runLog})
}

func runLog(args []string, stdout, stderr io.Writer) int {
	fs, df := newFlags("log", "Print the kernel log from the dump.", stderr)
	tail := fs.Int("tail", 0, "print only the last N records")
	level := fs.Int("level", 7, "print records of this level or more urgent (0 emerg .. 7 debug)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return fail(stderr, "log", err)
	}
	k, err := openKernel(pos, df)
	if err != nil {
		return fail(stderr, "log", err)
	}
	defer k.Close()
	lg, err := k.Log()
	if err != nil {
		return fail(stderr, "log", err)
	}
	recs := filterLog(lg.Records, *level, *tail)
	if df.json {
		return jsonOut(stdout, stderr, "log", struct {
			Records  []kernel.LogRecord `json:"records"`
			Problems []string           `json:"problems"`
		}{recs, nonNil(lg.Problems)})
	}
	for _, r := range recs {
		fmt.Fprintln(stdout, kernel.FormatRecord(r))
	}
	return 0
}

func filterLog(recs []kernel.LogRecord, level, tail int) []kernel.LogRecord {
	out := make([]kernel.LogRecord, 0, len(recs))
	for _, r := range recs {
		if r.Level <= level {
			out = append(out, r)
		}
	}
	if tail > 0 && len(out) > tail {
		out = out[len(out)-tail:]
	}
	return out
}

// nonNil makes JSON print [] rather than null for an empty list.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
