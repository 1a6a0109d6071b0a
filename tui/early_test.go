package tui

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/kdx-dev/kdx/internal/fixture"
	"github.com/kdx-dev/kdx/kernel"
	"github.com/kdx-dev/kdx/vmcore"
)

// TestEarlyScreen drives the loading screen: the early summary shows with
// the index bar as progress comes in, keys typed meanwhile are kept, and
// the real summary replaces it once the backend is open.
func TestEarlyScreen(t *testing.T) {
	e := &kernel.Early{Release: "6.1.0-test", Panic: "Fatal exception", DumpFiles: []string{"d"}, DumpFormat: "elf",
		PanicTask: &kernel.EarlyTask{PID: 98, Comm: "sh\x1b[2J", CPU: 1}, LogErr: errors.New("no VMCOREINFO")}
	prog := &Progress{}
	m := New(func() (Backend, error) { return newFake(), nil }).WithEarly(func() *kernel.Early { return e }, prog)
	tm, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m = tm.(Model)
	v := m.View()
	if !strings.Contains(v, "opening the dump") {
		t.Errorf("before the early summary: %q", v)
	}
	tm, _ = m.Update(earlyMsg{e})
	m = tm.(Model)
	prog.Set(10, 40)
	prog.Set(5, 40) // a late report from another worker never moves it back
	v = m.View()
	// The escape from the dump is shown, not sent.
	for _, want := range []string{"PANIC: Fatal exception", `pid 98 "sh\x1b[2J" cpu 1`, "[#####---------------]  25%", "log: no VMCOREINFO"} {
		if !strings.Contains(v, want) {
			t.Errorf("early screen lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "\x1b[2J") {
		t.Error("a control sequence from the dump reached the terminal")
	}
	m = press(t, m, "2") // typed ahead
	tm, cmd := m.Update(openedMsg{b: newFake()})
	m = drive(t, tm.(Model), cmd)
	if m.state != rootReady || m.early != nil {
		t.Fatalf("state %v early %v after open", m.state, m.early)
	}
	if p := m.page(); p == nil || p.cmd.Name != "log" {
		t.Errorf("the key typed while loading did not run: page %+v", p)
	}
}

// TestEarlyScreenReal renders the early screen of the real panic dump and
// checks it against the ground truth, before any vmlinux is read.
func TestEarlyScreenReal(t *testing.T) {
	truth := fixture.Truth(t, "panic")
	d, err := vmcore.Open(fixture.DumpPath(t, "panic", "kdump-c31"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	m := New(func() (Backend, error) { select {} }).WithEarly(nil, &Progress{})
	tm, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	tm, _ = tm.(Model).Update(earlyMsg{kernel.ReadEarly(d)})
	v := tm.(Model).View()
	for _, want := range []string{"RELEASE: " + truth.Release, "PANIC: Fatal exception",
		fmt.Sprintf("pid %d \"%s\" cpu %d", truth.Panic.PID, truth.Panic.Comm, truth.Panic.CPU), "Kernel panic - not syncing"} {
		if !strings.Contains(v, want) {
			t.Errorf("early screen lacks %q:\n%s", want, v)
		}
	}
	for i, l := range strings.Split(v, "\n") {
		if w := len([]rune(l)); w > 80 && !strings.Contains(l, "\x1b") {
			t.Errorf("line %d is %d columns wide: %q", i, w, l)
		}
	}
}
