package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/kdx-dev/kdx/kernel"
)

func init() {
	register(command{name: "mod", summary: "loaded modules: address range, state, taint, debug info", run: runMod})
}

func runMod(args []string, stdout, stderr io.Writer) int {
	return withKernel("mod", "List loaded modules, their taint and whether their debug info was found.", args, stdout, stderr, nil,
		func(k *kernel.Kernel, df *dumpFlags) (any, string, error) {
			mods, err := k.Modules()
			if err != nil {
				return nil, "", err
			}
			var b strings.Builder
			printMods(&b, mods)
			return modJSON(mods), b.String(), nil
		})
}

type modOut struct {
	kernel.Module
	Addr     string            `json:"addr"`
	Base     string            `json:"base"`
	Sections map[string]string `json:"sections"`
}

func modJSON(mods []kernel.Module) any {
	out := struct {
		Modules []modOut `json:"modules"`
	}{Modules: []modOut{}}
	for _, m := range mods {
		secs := map[string]string{}
		for n, a := range m.Sections {
			secs[n] = hexAddr(a)
		}
		out.Modules = append(out.Modules, modOut{Module: m, Addr: hexAddr(m.Addr), Base: hexAddr(m.Base), Sections: secs})
	}
	return out
}

func printMods(w io.Writer, mods []kernel.Module) {
	fmt.Fprintf(w, "     MODULE           NAME                    BASE          SIZE  TAINT  STATE  DEBUG INFO\n")
	for _, m := range mods {
		state := strings.TrimPrefix(m.State, "MODULE_STATE_")
		debug := m.DebugInfo
		if debug == "" {
			debug = "(none: symbols from the dump's kallsyms)"
		}
		taint := m.Taints
		if taint == "" {
			taint = "-"
		}
		fmt.Fprintf(w, "%016x  %-18s  %016x  %8d  %-5s  %-5s  %s\n", m.Addr, kernel.Sanitize(m.Name, false), m.Base, m.Size, taint, state, debug)
	}
}
