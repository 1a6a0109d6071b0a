package tui

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kdx-dev/kdx/kernel"
	"github.com/kdx-dev/kdx/report"
)

// viewSpec is how one command becomes a page: load reads the dump (in a
// tea.Cmd, never in Update), render turns the data into lines (cheap, in
// View, re-run when the session's findings or bookmarks change).
type viewSpec struct {
	load   func(ctx context.Context, b Backend, c Command) (any, error)
	render func(p *page, m *Model) []line
	atEnd  bool // open with the cursor on the last line (log)
	// live views render from the session (findings, bookmarks) and are
	// re-rendered when it changes; the others render once per load.
	live bool
}

var views map[string]viewSpec

func init() {
	views = map[string]viewSpec{
		"summary":   {load: loadSummary, render: renderSummary},
		"log":       {load: loadLog, render: renderLog, atEnd: true},
		"ps":        {load: loadPs, render: renderPs},
		"bt":        {load: loadBt, render: renderText},
		"task":      {load: loadTask, render: renderText},
		"mod":       {load: loadMod, render: renderMod},
		"struct":    {load: loadStruct, render: renderStruct},
		"rd":        {load: loadRd, render: renderRd, live: true},
		"whatis":    {load: loadWhatis, render: renderWhatis, live: true},
		"list":      {load: loadList, render: renderList, live: true},
		"refs":      {load: loadRefs, render: renderRefs},
		"search":    {load: loadSearch, render: renderRefs},
		"findings":  {render: renderFindings, live: true},
		"finding":   {load: loadFinding, render: renderFinding, live: true},
		"bookmarks": {render: renderBookmarks, live: true},
		"kmem -s":   {load: loadSlabinfo, render: renderSlabinfo, live: true},
		"kmem -S":   {load: loadSlabs, render: renderSlabs, live: true},
		"slab":      {load: loadObjects, render: renderObjects, live: true},
	}
}

// textLines splits already-sanitized text into plain lines.
func textLines(s string) []line {
	var out []line
	for _, t := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		out = append(out, line{text: t, level: -1})
	}
	return out
}

func plain(format string, a ...any) line { return line{text: fmt.Sprintf(format, a...), level: -1} }

func act(action, format string, a ...any) line {
	return line{text: fmt.Sprintf(format, a...), action: action, level: -1}
}

// renderText shows data that is a string (bt, task).
func renderText(p *page, m *Model) []line {
	s, _ := p.data.(string)
	return textLines(s)
}

type summaryData struct {
	sys   *kernel.Sys
	log   *kernel.Log
	tail  []kernel.LogRecord
	bt    *kernel.Backtrace
	btErr error
}

// logTail is how many log records the summary shows.
const logTail = 12

func loadSummary(ctx context.Context, b Backend, c Command) (any, error) {
	s, err := b.Sys()
	if err != nil {
		return nil, err
	}
	d := &summaryData{sys: s}
	if lg, err := b.Log(); err == nil {
		d.log, d.tail = lg, lg.Records[max(0, len(lg.Records)-logTail):]
	}
	if s.PanicTask != nil && ctx.Err() == nil {
		d.bt, d.btErr = b.Backtrace(s.PanicTask)
	}
	return d, nil
}

func renderSummary(p *page, m *Model) []line {
	d := p.data.(*summaryData)
	s := d.sys
	row := func(k, v string) line { return plain("%10s: %s", k, kernel.Sanitize(v, false)) }
	out := []line{row("RELEASE", s.Release)}
	if s.Panic != "" {
		out = append(out, row("PANIC", s.Panic))
	}
	if !s.CrashTime.IsZero() {
		out = append(out, row("DATE", s.CrashTime.UTC().Format(time.RFC1123)))
	}
	out = append(out, row("UPTIME", (time.Duration(s.Uptime)*time.Second).String()))
	taint := s.Taint
	if taint == "" {
		taint = "none"
	}
	out = append(out, row("TAINT", taint))
	if o := report.OopsLine(d.log); o != "" {
		out = append(out, plain("%10s: %s", "OOPS", o))
	}
	if f := report.FaultFrame(d.bt); f != "" {
		out = append(out, plain("%10s: %s", "FAULT AT", f))
	}
	if t := s.PanicTask; t != nil {
		l := row("TASK", fmt.Sprintf("%#x pid %d \"%s\" cpu %d", t.Addr, t.PID, t.Comm, t.CPU))
		l.action = fmt.Sprintf("task %#x", t.Addr)
		out = append(out, l)
	}
	out = append(out, row("DUMP", strings.Join(s.DumpFiles, " ")+" ("+s.DumpFormat+")"),
		row("CPUS/MEM", fmt.Sprintf("%d cpus, %.1f GiB, %d tasks", s.CPUs, float64(s.MemoryBytes)/(1<<30), s.Tasks)))
	for _, w := range s.Warnings {
		out = append(out, plain("warning: %s", kernel.Sanitize(w, false)))
	}
	out = append(out, summaryBt(d)...)
	out = append(out, plain(""), act("log", "── log (last %d, enter: whole log) ──", len(d.tail)))
	for _, r := range d.tail {
		for _, t := range strings.Split(visible(kernel.FormatRecord(r)), "\n") {
			out = append(out, line{text: t, level: -1, action: "log"})
		}
	}
	return out
}

func summaryBt(d *summaryData) []line {
	if d.sys.PanicTask == nil {
		return nil
	}
	out := []line{plain(""), act("bt", "── panic backtrace (enter: bt) ──")}
	if d.btErr != nil {
		return append(out, plain("bt: %s", kernel.Sanitize(d.btErr.Error(), false)))
	}
	if d.bt != nil {
		out = append(out, textLines(btText(d.bt))...)
	}
	return out
}

func btText(bt *kernel.Backtrace) string {
	var buf bytes.Buffer
	bt.WriteText(&buf) // sanitizes what came from the dump
	return visible(buf.String())
}

func loadLog(ctx context.Context, b Backend, c Command) (any, error) { return b.Log() }

func renderLog(p *page, m *Model) []line {
	lg := p.data.(*kernel.Log)
	out := make([]line, 0, len(lg.Records)+len(lg.Problems))
	for _, pr := range lg.Problems {
		out = append(out, line{text: "log: " + kernel.Sanitize(pr, false), level: -1, bad: true})
	}
	for _, r := range lg.Records {
		for _, t := range strings.Split(visible(kernel.FormatRecord(r)), "\n") {
			out = append(out, line{text: t, level: r.Level})
		}
	}
	if p.cmd.Arg != "" && p.filter == "" {
		p.filter = p.cmd.Arg
	}
	return out
}

func loadPs(ctx context.Context, b Backend, c Command) (any, error) { return b.Tasks() }

func renderPs(p *page, m *Model) []line {
	tl := p.data.(*kernel.TaskList)
	out := []line{plain("   PID    PPID  CPU       TASK        ST  COMM")}
	for _, t := range tl.Tasks {
		mark := " "
		if t.Panic {
			mark = ">"
		}
		out = append(out, act(fmt.Sprintf("task %#x", t.Addr), "%s%6d  %6d  %3d  %016x  %s  %s", mark, t.PID, t.PPID, t.CPU, t.Addr, t.State, kernel.Sanitize(t.Comm, false)))
	}
	for _, pr := range tl.Problems {
		out = append(out, line{text: "ps: " + kernel.Sanitize(pr, false), level: -1, bad: true})
	}
	if p.cmd.Arg != "" && p.filter == "" {
		p.filter = p.cmd.Arg
	}
	return out
}

// findTask resolves bt/task's argument: a PID, a task address, or the
// panic task (then the first running one) when none is given.
func findTask(b Backend, c Command) (*kernel.Task, error) {
	tl, err := b.Tasks()
	if err != nil {
		return nil, err
	}
	for i := range tl.Tasks {
		t := &tl.Tasks[i]
		if (c.HasAddr && t.Addr == c.Addr) || (c.Arg != "" && fmt.Sprint(t.PID) == c.Arg) {
			return t, nil
		}
	}
	if c.HasAddr || c.Arg != "" {
		return nil, fmt.Errorf("no task %s", strings.TrimSpace(c.Arg+fmt.Sprintf(" %#x", c.Addr)))
	}
	if tl.Panic != nil {
		return tl.Panic, nil
	}
	for _, t := range tl.Running {
		if t != nil {
			return t, nil
		}
	}
	return nil, fmt.Errorf("no panic task and no running task in the dump")
}

func loadBt(ctx context.Context, b Backend, c Command) (any, error) {
	if c.All {
		return loadBtAll(ctx, b)
	}
	t, err := findTask(b, c)
	if err != nil {
		return nil, err
	}
	bt, err := b.Backtrace(t)
	if err != nil {
		return nil, err
	}
	return btText(bt), nil
}

// loadBtAll is crash's bt -a: the task running on each CPU.
func loadBtAll(ctx context.Context, b Backend) (any, error) {
	tl, err := b.Tasks()
	if err != nil {
		return nil, err
	}
	var sb strings.Builder
	for cpu, t := range tl.Running {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if t == nil {
			fmt.Fprintf(&sb, "CPU %d: no task known\n\n", cpu)
			continue
		}
		bt, err := b.Backtrace(t)
		if err != nil {
			fmt.Fprintf(&sb, "CPU %d: pid %d: %s\n\n", cpu, t.PID, kernel.Sanitize(err.Error(), false))
			continue
		}
		sb.WriteString(btText(bt) + "\n")
	}
	return sb.String(), nil
}

func loadTask(ctx context.Context, b Backend, c Command) (any, error) {
	t, err := findTask(b, c)
	if err != nil {
		return nil, err
	}
	s := fmt.Sprintf("PID %d  TASK %#x  CPU %d  %s  \"%s\"\n\n", t.PID, t.Addr, t.CPU, t.State, kernel.Sanitize(t.Comm, false))
	if bt, err := b.Backtrace(t); err != nil {
		s += "bt: " + kernel.Sanitize(err.Error(), false) + "\n"
	} else {
		s += btText(bt)
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	st, err := b.Struct("struct task_struct", t.Addr)
	if err != nil {
		st = "struct task_struct: " + err.Error()
	}
	return s + "\n" + visible(st), nil
}

func loadMod(ctx context.Context, b Backend, c Command) (any, error) { return b.Modules() }

func renderMod(p *page, m *Model) []line {
	mods := p.data.([]kernel.Module)
	out := []line{plain("     MODULE            NAME                  BASE        SIZE  TAINT  DEBUG")}
	for _, md := range mods {
		dbg := "-"
		if md.DebugInfo != "" {
			dbg = "yes"
		}
		out = append(out, act(fmt.Sprintf("struct module %#x", md.Addr), "%016x  %-18s %016x %7d  %-5s  %s",
			md.Addr, kernel.Sanitize(md.Name, false), md.Base, md.Size, md.Taints, dbg))
	}
	return out
}

// visible is the last guard for text the kernel package already sanitized
// (FormatRecord, Backtrace.WriteText): any control character left is shown
// as '?' rather than sent to the terminal. It does not escape again, so
// an escaped "\x1b" stays readable.
func visible(s string) string {
	return strings.Map(func(r rune) rune {
		if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return '?'
		}
		return r
	}, s)
}
