package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/kdx-dev/kdx/kernel"
)

func init() {
	register(command{name: "log", summary: "the kernel log (printk ring buffer), oldest first", run: runLog})
}

func runLog(args []string, stdout, stderr io.Writer) int {
	var tail, level *int
	return withKernel("log", "Print the kernel log from the dump.", args, stdout, stderr,
		func(fs *flag.FlagSet) {
			tail = fs.Int("tail", 0, "print only the last N records")
			level = fs.Int("level", 7, "print records of this level or more urgent (0 emerg .. 7 debug)")
		},
		func(k *kernel.Kernel, df *dumpFlags) (any, string, error) {
			lg, err := k.Log()
			if err != nil {
				return nil, "", err
			}
			recs := filterLog(lg.Records, *level, *tail)
			var b strings.Builder
			for _, r := range recs {
				fmt.Fprintln(&b, kernel.FormatRecord(r))
			}
			return struct {
				Records  []kernel.LogRecord `json:"records"`
				Problems []string           `json:"problems"`
			}{recs, nonNil(lg.Problems)}, b.String(), nil
		})
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
