// Command kdx is a post-mortem browser for Linux kernel crash dumps.
//
// `kdx DUMP [VMLINUX]` opens the interactive browser; `kdx COMMAND [flags]
// DUMP [VMLINUX]` answers one question non-interactively for scripts and CI.
// Exit status: 0 success, 1 findings (check), 2 error.
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// command is one subcommand. Each lives in its own file and registers
// itself in init, so that commands can be added without touching main.
type command struct {
	name    string
	summary string
	// run gets the arguments after the command name, and writes its answer
	// to stdout. It returns the exit status; errors go to stderr as
	// "kdx NAME: message" and exit 2.
	run func(args []string, stdout, stderr io.Writer) int
}

var commands = map[string]command{}

func register(c command) { commands[c.name] = c }

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "--help", "help":
		usage(stdout)
		return 0
	case "-v", "--version":
		args[0] = "version"
	}
	if c, ok := commands[args[0]]; ok {
		return c.run(args[1:], stdout, stderr)
	}
	if strings.HasPrefix(args[0], "-") {
		fmt.Fprintf(stderr, "kdx: unknown flag %q\n", args[0])
		usage(stderr)
		return 2
	}
	return browse(args, stdout, stderr)
}

// browse is what `kdx DUMP [VMLINUX]` does: the interactive browser.
var browse = func(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintf(stderr, "kdx: unknown command %q (the interactive browser is not built yet; see kdx --help)\n", args[0])
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintf(w, `kdx %s: post-mortem browser for Linux kernel crash dumps

Usage:
  kdx DUMP [VMLINUX]                  open the interactive browser
  kdx COMMAND [flags] DUMP [VMLINUX]  answer one question and exit

VMLINUX is found automatically (by build-id, then by release) when omitted.

Commands:
`, version)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(w, "\nRun 'kdx COMMAND --help' for a command's flags. Exit status: 0 ok, 1 findings, 2 error.\n")
}
