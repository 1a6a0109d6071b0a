package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// dumpFlags are the flags every command that opens a dump takes.
type dumpFlags struct {
	json    bool
	kaslr   string
	modPath string
}

// newFlags makes a command's flag set with the common dump flags; usage
// text goes to stderr through the caller's writer.
func newFlags(name, synopsis string, stderr io.Writer) (*flag.FlagSet, *dumpFlags) {
	fs := flag.NewFlagSet("kdx "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	df := &dumpFlags{}
	fs.BoolVar(&df.json, "json", false, "print the answer as JSON")
	fs.StringVar(&df.kaslr, "kaslr-offset", "", "KASLR offset (hex) when the dump has no VMCOREINFO")
	fs.StringVar(&df.modPath, "mod-path", "", "extra directories to search for module .ko files (colon-separated)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: kdx %s [flags] DUMP [VMLINUX]\n%s\n\nflags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs, df
}

// parseArgs parses flags wherever they stand among the positional
// arguments (`kdx bt DUMP -a` as well as `kdx bt -a DUMP`), because people
// add a flag at the end of the line they just ran. "--" ends flags.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			// The flag set has printed the error and the usage already.
			return nil, fmt.Errorf("%w: %v", errUsage, err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// errUsage marks an error that is the caller's mistake; the usage text has
// already been printed by the flag set.
var errUsage = errors.New("usage")

// dumpArgs splits the positional arguments into the dump file(s) and the
// optional vmlinux: the last argument is taken as the vmlinux when it is not
// a dump (the caller decides with isDump), so split dumps can be named as
// several files.
func dumpArgs(pos []string, isDump func(string) bool) (dumps []string, vmlinux string, err error) {
	if len(pos) == 0 {
		return nil, "", fmt.Errorf("no dump file given")
	}
	if len(pos) > 1 && !isDump(pos[len(pos)-1]) {
		return pos[:len(pos)-1], pos[len(pos)-1], nil
	}
	return pos, "", nil
}

// writeJSON prints v as indented JSON with a trailing newline.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// fail prints "kdx NAME: err" and returns exit status 2.
func fail(stderr io.Writer, name string, err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if !errors.Is(err, errUsage) {
		msg := strings.TrimSpace(err.Error())
		fmt.Fprintf(stderr, "kdx %s: %s\n", name, msg)
	}
	return 2
}

// hexAddr formats an address the way JSON output carries it: "0x…".
func hexAddr(a uint64) string { return fmt.Sprintf("%#016x", a) }
