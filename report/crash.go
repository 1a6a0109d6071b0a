package report

import (
	"fmt"
	"strings"

	"github.com/kdx-dev/kdx/kernel"
)

// oopsPrefixes start the log line that says what went wrong, as the
// kernel prints it before the registers.
var oopsPrefixes = []string{"BUG:", "general protection fault", "Oops:", "kernel BUG at", "Unable to handle", "WARNING:"}

// OopsLine is the first log record that says what went wrong, "" when none.
func OopsLine(lg *kernel.Log) string {
	if lg == nil {
		return ""
	}
	for _, r := range lg.Records {
		for _, p := range oopsPrefixes {
			if strings.HasPrefix(r.Text, p) {
				return kernel.Sanitize(strings.TrimSpace(r.Text), false)
			}
		}
	}
	return ""
}

// FaultFrame names the frame an exception interrupted: where the kernel
// really was when it faulted, as symbol+offset [module] file:line.
func FaultFrame(bt *kernel.Backtrace) string {
	if bt == nil {
		return ""
	}
	for i, f := range bt.Frames {
		if f.ExceptionAddr == 0 || i+1 >= len(bt.Frames) {
			continue
		}
		g := bt.Frames[i+1]
		s := g.Symbol
		if s == "" {
			s = fmt.Sprintf("%#x", g.PC)
		}
		if g.Module != "" {
			s += " [" + g.Module + "]"
		}
		if g.File != "" {
			s += fmt.Sprintf(" %s:%d", shortPath(g.File), g.Line)
		}
		return kernel.Sanitize(s, false)
	}
	return ""
}

// shortPath keeps a source path's last two elements: enough to find the
// file, short enough for 80 columns.
func shortPath(p string) string {
	parts := strings.Split(p, "/")
	if len(parts) <= 2 {
		return p
	}
	return strings.Join(parts[len(parts)-2:], "/")
}
