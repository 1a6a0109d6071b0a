package tui

import (
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/kdx-dev/kdx/kernel"
	"github.com/kdx-dev/kdx/report"
)

// Progress is how far the vmlinux's DWARF index build has gone. The opener
// sets it (from the index build's goroutines); the loading screen reads it
// on each tick.
type Progress struct{ done, total atomic.Uint64 }

// Set records done of total bytes; safe for concurrent use.
func (p *Progress) Set(done, total uint64) {
	p.total.Store(total)
	for {
		old := p.done.Load()
		if done <= old || p.done.CompareAndSwap(old, done) {
			return
		}
	}
}

func (p *Progress) get() (done, total uint64) {
	if p == nil {
		return 0, 0
	}
	return p.done.Load(), p.total.Load()
}

// WithEarly has the loading screen show what early returns, a summary
// read from the dump alone (VMCOREINFO and the log), with prog's bar while
// the vmlinux is read. early runs in a tea.Cmd beside the open.
func (m Model) WithEarly(early func() *kernel.Early, prog *Progress) Model {
	m.earlyFn, m.progress = early, prog
	return m
}

// earlyMsg carries the early summary.
type earlyMsg struct{ e *kernel.Early }

func (m Model) earlyCmd() tea.Cmd {
	f := m.earlyFn
	if f == nil {
		return nil
	}
	return func() tea.Msg { return earlyMsg{f()} }
}

// viewLoading is the screen before the vmlinux is ready.
func (m Model) viewLoading() string {
	el := time.Since(m.since).Seconds()
	if m.early == nil {
		return fmt.Sprintf("kdx: opening the dump and its vmlinux… %.1fs\n(the first open of a vmlinux indexes its DWARF)\nq quits\n", el)
	}
	lines := []string{stHeader.Render(fit("kdx › [summary]  (from the dump alone; the vmlinux is loading)", m.w))}
	lines = append(lines, earlyLines(m.early)...)
	lines = append(lines, "", stFooter.Render(fit(m.loadingBar(el), m.w)), "")
	if lg := m.early.Log; lg != nil {
		lines = append(lines, fmt.Sprintf("── log (last %d) ──", logTail))
		for _, r := range lg.Records[max(0, len(lg.Records)-logTail):] {
			lines = append(lines, strings.Split(visible(kernel.FormatRecord(r)), "\n")...)
		}
	} else if m.early.LogErr != nil {
		lines = append(lines, "log: "+kernel.Sanitize(m.early.LogErr.Error(), false))
	}
	var b strings.Builder
	for i := 0; i < m.h-1; i++ {
		if i < len(lines) {
			b.WriteString(ansi.Truncate(lines[i], m.w, "…"))
		}
		b.WriteString("\n")
	}
	b.WriteString(stFooter.Render(fit("q quits; keys typed now run once the vmlinux is ready", m.w)))
	return b.String()
}

// loadingBar is the DWARF index bar, or a timer when there is no build to
// follow (the index came from the cache, or has not started yet).
func (m Model) loadingBar(el float64) string {
	done, total := m.progress.get()
	if total == 0 {
		return fmt.Sprintf("reading the vmlinux… %.1fs", el)
	}
	pct := int(min(done, total) * 100 / total)
	return fmt.Sprintf("indexing the vmlinux DWARF %s %3d%%  %.1fs  (cached after)", bar(pct, 20), pct, el)
}

// bar is a progress bar drawn in ASCII, so it shows without colour.
func bar(pct, width int) string {
	fill := max(0, min(pct, 100)) * width / 100
	return "[" + strings.Repeat("#", fill) + strings.Repeat("-", width-fill) + "]"
}

// fit cuts s to w columns.
func fit(s string, w int) string { return ansi.Truncate(s, max(0, w), "…") }

// earlyLines are the summary rows the dump alone gives.
func earlyLines(e *kernel.Early) []string {
	row := func(k, v string) string { return fmt.Sprintf("%10s: %s", k, kernel.Sanitize(v, false)) }
	out := []string{row("RELEASE", e.Release)}
	if e.Panic != "" {
		out = append(out, row("PANIC", e.Panic))
	}
	if !e.CrashTime.IsZero() {
		out = append(out, row("DATE", e.CrashTime.UTC().Format(time.RFC1123)))
	}
	if o := report.OopsLine(e.Log); o != "" {
		out = append(out, row("OOPS", o))
	}
	if t := e.PanicTask; t != nil {
		out = append(out, row("TASK", fmt.Sprintf("pid %d \"%s\" cpu %d", t.PID, t.Comm, t.CPU)))
		taint := e.Taint
		if taint == "" {
			taint = "none"
		}
		out = append(out, row("TAINT", taint+" (when the report began)"))
	}
	return append(out, row("DUMP", strings.Join(e.DumpFiles, " ")+" ("+e.DumpFormat+")"))
}
