package main

import (
	"fmt"
	"io"
	"runtime"
)

func init() {
	register(command{name: "version", summary: "print kdx's version", run: runVersion})
}

func runVersion(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintln(stderr, "kdx version: takes no arguments")
		return 2
	}
	fmt.Fprintf(stdout, "kdx %s %s/%s %s\n", version, runtime.GOOS, runtime.GOARCH, runtime.Version())
	return 0
}
