package kernel

import (
	"fmt"
	"io"
	"strings"
)

// WriteText prints the backtrace in crash's layout, one frame a line:
//
//	#3 [ffffcab200013d18] asm_exc_page_fault+0x26 at ffffffff9c800b26  arch/x86/include/asm/idtentry.h:570
//
// with the registers of every exception frame below its frame, a "?" on
// frames found by scanning, and the reason the unwind ended. Task names
// are sanitised.
func (b *Backtrace) WriteText(w io.Writer) {
	t := b.Task
	fmt.Fprintf(w, "PID: %-6d TASK: %016x  CPU: %-3d COMMAND: \"%s\"", t.PID, t.Addr, t.CPU, Sanitize(t.Comm, false))
	switch {
	case t.Panic:
		fmt.Fprint(w, "  [panic]")
	case t.OnCPU:
		fmt.Fprint(w, "  [running]")
	}
	fmt.Fprintf(w, "\n    start: %s\n", b.Source)
	for _, f := range b.Frames {
		writeFrame(w, &f)
	}
	if len(b.UserRegs) > 0 {
		fmt.Fprintln(w, "    user-mode registers:")
		for _, l := range b.UserRegs.Lines() {
			fmt.Fprintf(w, "    %s\n", l)
		}
	}
	mark := "end"
	if !b.Complete {
		mark = "STOPPED"
	}
	fmt.Fprintf(w, "    --- %s: %s ---\n", mark, b.End)
}

func writeFrame(w io.Writer, f *Frame) {
	q := " "
	if f.Unreliable {
		q = "?"
	}
	name := f.Symbol
	if name == "" {
		name = "(unknown)"
	}
	if f.Module != "" {
		name += " [" + f.Module + "]"
	}
	fmt.Fprintf(w, "%s#%-2d [%016x] %s at %016x", q, f.Index, f.SP, name, f.PC)
	if f.File != "" {
		fmt.Fprintf(w, "  %s:%d", f.File, f.Line)
	}
	if f.Stack != "" && f.Stack != "task" {
		fmt.Fprintf(w, "  <%s stack>", f.Stack)
	}
	fmt.Fprintln(w)
	if f.Exception == nil {
		return
	}
	kind := "exception frame"
	if f.Partial {
		kind = "exception frame (iret part only)"
	}
	if f.Exception.UserMode() {
		kind = "entry from user mode"
	}
	fmt.Fprintf(w, "    --- %s: pt_regs at %016x ---\n", kind, f.ExceptionAddr)
	if !f.Exception.UserMode() {
		for _, l := range f.Exception.Lines() {
			fmt.Fprintf(w, "    %s\n", l)
		}
	}
}

// String is the text form.
func (b *Backtrace) String() string {
	var sb strings.Builder
	b.WriteText(&sb)
	return sb.String()
}
