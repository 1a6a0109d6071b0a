package main

import (
	"fmt"
	"io"
	"os"
	"sync"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/kdx-dev/kdx/kernel"
	"github.com/kdx-dev/kdx/tui"
	"github.com/kdx-dev/kdx/vmcore"
	"github.com/muesli/termenv"
)

func init() { browse = runBrowse }

// runBrowse is `kdx DUMP [VMLINUX]`: the interactive browser. The dump is
// opened inside the browser (in a tea.Cmd), so the screen comes up at
// once and a bad file is reported there as well as on exit.
func runBrowse(args []string, stdout, stderr io.Writer) int {
	fs, df := newFlags("DUMP", "Open the interactive browser.", stderr)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return fail(stderr, "browse", err)
	}
	if _, _, err := dumpArgs(pos, looksLikeDump); err != nil {
		return fail(stderr, "browse", err)
	}
	if os.Getenv("NO_COLOR") != "" {
		lipgloss.SetColorProfile(termenv.Ascii)
	}
	o := &opener{pos: pos, df: df, prog: &tui.Progress{}}
	m := tui.New(o.open).WithEarly(o.early, o.prog)
	final, err := tea.NewProgram(m, tea.WithAltScreen()).Run()
	defer o.close()
	if err != nil {
		return fail(stderr, "browse", err)
	}
	if fm, ok := final.(tui.Model); ok && fm.Err() != nil {
		fmt.Fprintf(stderr, "kdx: %v\n", fm.Err())
		return 2
	}
	return 0
}

// opener opens the dump once for both of the browser's starting jobs: the
// early summary from the dump alone, and the kernel with its vmlinux,
// which run side by side.
type opener struct {
	pos  []string
	df   *dumpFlags
	prog *tui.Progress

	once    sync.Once
	dump    *vmcore.Dump
	dumpErr error
	opt     kernel.Options
	kb      *tui.KernelBackend
}

func (o *opener) openDump() error {
	o.once.Do(func() {
		var dumps []string
		dumps, o.opt, o.dumpErr = kernelOptions(o.pos, o.df)
		if o.dumpErr == nil {
			o.dump, o.dumpErr = vmcore.Open(dumps...)
		}
	})
	return o.dumpErr
}

func (o *opener) early() *kernel.Early {
	if o.openDump() != nil {
		return nil // open reports the error
	}
	return kernel.ReadEarly(o.dump)
}

func (o *opener) open() (tui.Backend, error) {
	if err := o.openDump(); err != nil {
		return nil, err
	}
	opt := o.opt
	opt.Progress = o.prog.Set
	k, err := kernel.Attach(o.dump, opt)
	if err != nil {
		return nil, err // the dump is closed on exit: early may still read it
	}
	o.kb = tui.NewKernelBackend(k)
	return o.kb, nil
}

// close runs after the browser has quit, when no Cmd still reads.
func (o *opener) close() {
	switch {
	case o.kb != nil:
		o.kb.K.Close()
	case o.dump != nil:
		o.dump.Close()
	}
}
