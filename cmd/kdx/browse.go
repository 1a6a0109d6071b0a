package main

import (
	"fmt"
	"io"
	"os"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/kdx-dev/kdx/tui"
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
	var kb *tui.KernelBackend
	m := tui.New(func() (tui.Backend, error) {
		k, err := openKernel(pos, df)
		if err != nil {
			return nil, err
		}
		kb = tui.NewKernelBackend(k)
		return kb, nil
	})
	final, err := tea.NewProgram(m, tea.WithAltScreen()).Run()
	if kb != nil {
		defer kb.K.Close()
	}
	if err != nil {
		return fail(stderr, "browse", err)
	}
	if fm, ok := final.(tui.Model); ok && fm.Err() != nil {
		fmt.Fprintf(stderr, "kdx: %v\n", fm.Err())
		return 2
	}
	return 0
}
