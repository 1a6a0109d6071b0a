package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/kdx-dev/kdx/kernel"
)

// Write renders the report as GitHub-flavoured markdown. Every string that
// came from the dump is sanitized; code blocks cannot be closed early by
// dump text.
func Write(w io.Writer, in *Input) error {
	bw := bufio.NewWriter(w)
	mw := &mdWriter{w: bw}
	mw.identity(in)
	mw.panic(in)
	mw.logTail(in)
	mw.slabinfo(in)
	mw.findings(in)
	mw.bookmarks(in)
	if mw.err != nil {
		return mw.err
	}
	return bw.Flush()
}

type mdWriter struct {
	w   io.Writer
	err error
}

func (m *mdWriter) f(format string, a ...any) {
	if m.err == nil {
		_, m.err = fmt.Fprintf(m.w, format, a...)
	}
}

// cell makes dump text safe in a table cell.
func cell(s string) string {
	s = kernel.Sanitize(s, false)
	return strings.NewReplacer("|", `\|`, "`", "'", "<", "&lt;", ">", "&gt;").Replace(s)
}

// block writes a fenced code block of text already sanitized by the
// caller (kernel.FormatRecord, Backtrace.String, dwarf.Format do it); a
// fence inside dump text would end the block, so backtick runs are broken
// up, and any control character left is shown as '?'.
func (m *mdWriter) block(lang, text string) {
	text = strings.ReplaceAll(visible(text), "```", "`\u200b``")
	m.f("```%s\n%s\n```\n\n", lang, strings.TrimRight(text, "\n"))
}

func (m *mdWriter) identity(in *Input) {
	s := in.Sys
	m.f("# kdx report: %s\n\n", cell(s.Release))
	m.f("| | |\n|---|---|\n")
	row := func(k, v string) { m.f("| %s | %s |\n", k, cell(v)) }
	row("dump", strings.Join(s.DumpFiles, " "))
	row("format", s.DumpFormat)
	row("vmlinux", s.Vmlinux)
	row("release", s.Release)
	row("build-id", s.BuildID)
	if !s.CrashTime.IsZero() {
		row("crash time", s.CrashTime.UTC().Format(time.RFC3339))
	}
	row("uptime", (time.Duration(s.Uptime) * time.Second).String())
	row("machine", fmt.Sprintf("%s, %d CPUs, %.1f GiB", s.Machine, s.CPUs, float64(s.MemoryBytes)/(1<<30)))
	taint := s.Taint
	if taint == "" {
		taint = "none"
	}
	row("taint", taint)
	if !in.Generated.IsZero() {
		row("report generated", in.Generated.UTC().Format(time.RFC3339))
	}
	m.f("\n")
}

func (m *mdWriter) panic(in *Input) {
	s := in.Sys
	m.f("## Panic\n\n")
	if s.Panic == "" {
		m.f("The dump is not of a panic (no panic message in the log).\n\n")
	} else {
		m.block("", "Kernel panic - not syncing: "+kernel.Sanitize(s.Panic, true))
	}
	if in.Oops != "" {
		m.f("Oops: `%s`\n\n", cell(in.Oops))
	}
	if in.Fault != "" {
		m.f("Faulting at: `%s`\n\n", cell(in.Fault))
	}
	if t := s.PanicTask; t != nil {
		m.f("Panic task: pid %d `%s` on CPU %d (task `%#x`).\n\n", t.PID, cell(t.Comm), t.CPU, t.Addr)
	}
	switch {
	case in.Backtrace != nil:
		m.block("", in.Backtrace.String())
	case in.BtErr != "":
		m.f("Backtrace unavailable: %s\n\n", cell(in.BtErr))
	}
}

func (m *mdWriter) logTail(in *Input) {
	if len(in.LogTail) == 0 {
		return
	}
	m.f("## Log (last %d records)\n\n", len(in.LogTail))
	var b strings.Builder
	for _, r := range in.LogTail {
		b.WriteString(kernel.FormatRecord(r) + "\n")
	}
	m.block("", b.String())
}

func (m *mdWriter) slabinfo(in *Input) {
	m.f("## Slab caches (largest first)\n\n")
	if len(in.Slabinfo) == 0 {
		note := in.SlabNote
		if note == "" {
			note = "no slab caches found"
		}
		m.f("%s\n\n", cell(note))
		return
	}
	m.f("| cache | objsize | allocated | total | slabs | memory |\n|---|--:|--:|--:|--:|--:|\n")
	for i, c := range in.Slabinfo {
		if i == maxSlabRows {
			m.f("| … %d more | | | | | |\n", len(in.Slabinfo)-i)
			break
		}
		m.f("| %s | %d | %d | %d | %d | %s |\n", cell(c.Name), c.ObjSize, c.Active, c.Total, c.Slabs, human(c.MemBytes))
	}
	m.f("\n")
}

func human(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func (m *mdWriter) bookmarks(in *Input) {
	if len(in.Bookmarks) == 0 {
		return
	}
	m.f("## Bookmarks\n\n| address | note | where |\n|---|---|---|\n")
	for _, b := range in.Bookmarks {
		m.f("| `%#016x` | %s | %s |\n", b.Addr, cell(b.Note), cell(b.What))
	}
	m.f("\n")
}

func visible(s string) string {
	return strings.Map(func(r rune) rune {
		if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return '?'
		}
		return r
	}, s)
}
