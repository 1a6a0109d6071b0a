package tui

import (
	"bytes"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"
)

// pinProfile fixes the colour profile for a golden test, so the files do
// not depend on the terminal the tests run in.
func pinProfile(t *testing.T, p termenv.Profile) {
	old := lipgloss.ColorProfile()
	lipgloss.SetColorProfile(p)
	t.Cleanup(func() { lipgloss.SetColorProfile(old) })
}

// step types keys, then waits until the screen shows want.
type step struct {
	keys []string
	want string
}

// runGolden runs the browser over the fake in a real bubbletea program at
// 80x24, plays the steps, and compares the final screen with
// testdata/<test name>.golden (go test -update rewrites it).
func runGolden(t *testing.T, steps ...step) {
	tm := teatest.NewTestModel(t, New(func() (Backend, error) { return newFake(), nil }), teatest.WithInitialTermSize(80, 24))
	for _, st := range steps {
		for _, k := range st.keys {
			if k == "enter" {
				tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
				continue
			}
			tm.Type(k)
		}
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(st.want)) },
			teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	}
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	golden.RequireEqual(t, []byte(fm.View()))
}

// TestGoldenSummaryANSI16 is the first screen on a 16-colour terminal.
func TestGoldenSummaryANSI16(t *testing.T) {
	pinProfile(t, termenv.ANSI)
	runGolden(t, step{want: "Fatal exception"})
}

// TestGoldenFindingNoColor is a finding's page with NO_COLOR: the bad
// word must still be marked.
func TestGoldenFindingNoColor(t *testing.T) {
	pinProfile(t, termenv.Ascii)
	runGolden(t, step{want: "Fatal exception"}, step{[]string{":check", "enter"}, "bad-freelist-pointer"},
		step{[]string{"j", "enter"}, "damaged words"})
}

// TestGoldenHelp is the `?` screen of the list view.
func TestGoldenHelp(t *testing.T) {
	pinProfile(t, termenv.Ascii)
	m := press(t, ready(t, newFake()), ":list kdx_list -s kdx_obj -l link", "enter", "?")
	golden.RequireEqual(t, []byte(m.View()))
}

func TestGoldenNoEscapesWithAscii(t *testing.T) {
	pinProfile(t, termenv.Ascii)
	m := ready(t, newFake())
	if v := m.View(); strings.Contains(v, "\x1b") {
		t.Fatalf("Ascii profile output has escape sequences: %q", v)
	}
	pinProfile(t, termenv.ANSI)
	if v := m.View(); !strings.Contains(v, "\x1b[") {
		t.Fatal("ANSI profile output has no colour at all")
	}
}
