package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/kdx-dev/kdx/dwarf"
	"github.com/kdx-dev/kdx/kernel"
	"github.com/kdx-dev/kdx/slab"
)

func init() {
	register(command{name: "whatis", summary: "what an address is: symbol, slab object, task stack, struct page, ...", run: runWhatis})
	register(command{name: "rd", summary: "read memory as 64-bit words with ASCII and symbols", run: runRd})
	register(command{name: "struct", summary: "show memory at an address as a type, like crash's struct", run: runStruct})
}

// parseAddr accepts hex with or without 0x, or a symbol name.
func parseAddr(k *kernel.Kernel, s string) (uint64, error) {
	if s == "" {
		return 0, errors.New("--addr is required")
	}
	t := strings.TrimPrefix(strings.ToLower(s), "0x")
	if v, err := strconv.ParseUint(t, 16, 64); err == nil {
		return v, nil
	}
	if a, ok := k.Bin.Symbol(s); ok {
		return a, nil
	}
	return 0, fmt.Errorf("--addr %q: neither a hex address nor a symbol", s)
}

// withKernel parses a command's flags, opens the dump and runs fn.
func withKernel(name, synopsis string, args []string, stdout, stderr io.Writer, flags func(*flag.FlagSet), fn func(k *kernel.Kernel, df *dumpFlags) (any, string, error)) int {
	fs, df := newFlags(name, synopsis, stderr)
	if flags != nil {
		flags(fs)
	}
	pos, err := parseArgs(fs, args)
	if err != nil {
		return fail(stderr, name, err)
	}
	k, err := openKernel(pos, df)
	if err != nil {
		return fail(stderr, name, err)
	}
	defer k.Close()
	v, text, err := fn(k, df)
	if err != nil {
		return fail(stderr, name, err)
	}
	if df.json {
		return jsonOut(stdout, stderr, name, v)
	}
	fmt.Fprint(stdout, text)
	return 0
}

func runWhatis(args []string, stdout, stderr io.Writer) int {
	var addr *string
	return withKernel("whatis", "Say what an address is.", args, stdout, stderr,
		func(fs *flag.FlagSet) { addr = fs.String("addr", "", "address (hex) or symbol") },
		func(k *kernel.Kernel, df *dumpFlags) (any, string, error) {
			a, err := parseAddr(k, *addr)
			if err != nil {
				return nil, "", err
			}
			// Registers the slab resolver, so slab objects are named with
			// their allocation state; whatis still answers without it.
			if _, err := slab.For(k); err != nil {
				fmt.Fprintf(stderr, "kdx whatis: warning: slab caches unreadable: %v\n", err)
			}
			w := k.Whatis(a)
			return whatisJSON(w), fmt.Sprintf("%016x: %s\n", w.Addr, w.Desc), nil
		})
}

// whatisJSON carries every address as a "0x…" string, as all JSON
// output does.
func whatisJSON(w kernel.What) any {
	type slabJSON struct {
		kernel.SlabObject
		CacheAddr string `json:"cache_addr"`
		Slab      string `json:"slab"`
		Object    string `json:"object"`
	}
	out := struct {
		kernel.What
		Addr      string    `json:"addr"`
		Page      string    `json:"page,omitempty"`
		Phys      string    `json:"phys,omitempty"`
		AreaStart string    `json:"area_start,omitempty"`
		AreaEnd   string    `json:"area_end,omitempty"`
		Slab      *slabJSON `json:"slab,omitempty"`
		Task      any       `json:"task,omitempty"`
	}{What: w, Addr: hexAddr(w.Addr)}
	opt := func(a uint64) string {
		if a == 0 {
			return ""
		}
		return hexAddr(a)
	}
	out.Page, out.AreaStart, out.AreaEnd = opt(w.Page), opt(w.AreaStart), opt(w.AreaEnd)
	if w.HasPhy {
		out.Phys = hexAddr(w.Phys)
	}
	if s := w.Slab; s != nil {
		out.Slab = &slabJSON{*s, hexAddr(s.CacheAddr), hexAddr(s.Slab), hexAddr(s.Object)}
	}
	if w.Task != nil {
		out.Task = psTask{Task: *w.Task, Addr: hexAddr(w.Task.Addr), Stack: hexAddr(w.Task.Stack)}
	}
	return out
}

func runRd(args []string, stdout, stderr io.Writer) int {
	var addr *string
	var count *int
	return withKernel("rd", "Read 64-bit words of kernel memory.", args, stdout, stderr,
		func(fs *flag.FlagSet) {
			addr = fs.String("addr", "", "address (hex) or symbol")
			count = fs.Int("count", 8, "number of 64-bit words")
		},
		func(k *kernel.Kernel, df *dumpFlags) (any, string, error) {
			a, err := parseAddr(k, *addr)
			if err != nil {
				return nil, "", err
			}
			words, err := k.ReadWords(a, *count)
			if err != nil {
				return nil, "", err
			}
			return rdJSON(words), kernel.FormatWords(words), nil
		})
}

func rdJSON(words []kernel.Word) any {
	type w struct {
		kernel.Word
		Addr  string `json:"addr"`
		Value string `json:"value"`
	}
	out := make([]w, len(words))
	for i, x := range words {
		out[i] = w{x, hexAddr(x.Addr), hexAddr(x.Value)}
	}
	return struct {
		Words []w `json:"words"`
	}{out}
}

func runStruct(args []string, stdout, stderr io.Writer) int {
	var typ, addr *string
	var offsets *bool
	return withKernel("struct", "Show memory at an address as a C type.", args, stdout, stderr,
		func(fs *flag.FlagSet) {
			typ = fs.String("type", "", `type name, e.g. "struct task_struct" or task_struct`)
			addr = fs.String("addr", "", "address (hex) or symbol")
			offsets = fs.Bool("o", false, "show member offsets")
		},
		func(k *kernel.Kernel, df *dumpFlags) (any, string, error) {
			v, err := structValue(k, *typ, *addr)
			if err != nil {
				return nil, "", err
			}
			text, err := dwarf.Format(v, dwarf.FormatOptions{Offsets: *offsets, Symbolize: k.Symbolize})
			if err != nil {
				return nil, "", err
			}
			text = kernel.Sanitize(text, true) + "\n"
			return struct {
				Type string `json:"type"`
				Addr string `json:"addr"`
				Text string `json:"text"`
			}{*typ, hexAddr(v.Addr()), text}, text, nil
		})
}

// structValue resolves the type by name, trying "struct T" when a bare
// name is not a type (crash accepts `struct task_struct` and `task_struct`).
func structValue(k *kernel.Kernel, typ, addr string) (dwarf.Value, error) {
	if typ == "" {
		return dwarf.Value{}, errors.New("--type is required")
	}
	a, err := parseAddr(k, addr)
	if err != nil {
		return dwarf.Value{}, err
	}
	v, err := k.Object(typ, a, typ)
	if err != nil && !strings.Contains(typ, " ") {
		if v2, err2 := k.Object("struct "+typ, a, typ); err2 == nil {
			return v2, nil
		}
	}
	return v, err
}
