package main

import (
	"fmt"
	"io"

	"github.com/kdx-dev/kdx/kernel"
)

func init() {
	register(command{name: "bt", summary: "backtraces: the panic task (or each CPU's task), one --pid, or every task (-a)", run: runBt})
}

func runBt(args []string, stdout, stderr io.Writer) int {
	fs, df := newFlags("bt", "Backtrace the panic task; in a dump of a running machine, the task on each CPU.", stderr)
	all := fs.Bool("a", false, "backtrace every task")
	pid := fs.Int("pid", -1, "backtrace the task(s) with this PID")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return fail(stderr, "bt", err)
	}
	k, err := openKernel(pos, df)
	if err != nil {
		return fail(stderr, "bt", err)
	}
	defer k.Close()
	sel, note, err := btSelect(k, *all, *pid)
	if err != nil {
		return fail(stderr, "bt", err)
	}
	bts := make([]*kernel.Backtrace, 0, len(sel))
	for _, t := range sel {
		b, err := k.Backtrace(t)
		if err != nil {
			return fail(stderr, "bt", fmt.Errorf("pid %d (task %#x): %w", t.PID, t.Addr, err))
		}
		bts = append(bts, b)
	}
	if df.json {
		return jsonOut(stdout, stderr, "bt", btJSON(note, bts))
	}
	printBt(stdout, note, bts, *all)
	return 0
}

// btSelect picks the tasks: every one (-a), those with a PID (the idle
// tasks share PID 0), the panic task, or else the task on each CPU.
func btSelect(k *kernel.Kernel, all bool, pid int) ([]*kernel.Task, string, error) {
	tl, err := k.Tasks()
	if err != nil {
		return nil, "", err
	}
	var out []*kernel.Task
	switch {
	case all:
		for i := range tl.Tasks {
			out = append(out, &tl.Tasks[i])
		}
		return out, "every task", nil
	case pid >= 0:
		for i := range tl.Tasks {
			if tl.Tasks[i].PID == pid {
				out = append(out, &tl.Tasks[i])
			}
		}
		if len(out) == 0 {
			return nil, "", fmt.Errorf("no task with pid %d", pid)
		}
		return out, fmt.Sprintf("pid %d", pid), nil
	}
	tasks, note, err := k.CrashTasks()
	if err != nil {
		return nil, "", fmt.Errorf("%w: use -a or --pid", err)
	}
	return tasks, note, nil
}

func printBt(w io.Writer, note string, bts []*kernel.Backtrace, summary bool) {
	fmt.Fprintf(w, "# %s\n", note)
	complete := 0
	for i, b := range bts {
		if i > 0 {
			fmt.Fprintln(w)
		}
		b.WriteText(w)
		if b.Complete {
			complete++
		}
	}
	if summary {
		fmt.Fprintf(w, "\n# %d tasks: %d unwound to a normal end, %d stopped early\n", len(bts), complete, len(bts)-complete)
	}
}

// JSON view: addresses as "0x…" strings (JSON numbers lose 64-bit
// precision in most readers).
type btFrameJSON struct {
	Index         int               `json:"index"`
	SP            string            `json:"sp"`
	PC            string            `json:"pc"`
	Symbol        string            `json:"symbol,omitempty"`
	Func          string            `json:"func,omitempty"`
	Offset        string            `json:"offset"`
	Module        string            `json:"module,omitempty"`
	File          string            `json:"file,omitempty"`
	Line          int               `json:"line,omitempty"`
	Stack         string            `json:"stack"`
	How           string            `json:"how"`
	Unreliable    bool              `json:"unreliable,omitempty"`
	Exception     map[string]string `json:"exception,omitempty"`
	ExceptionAddr string            `json:"exception_addr,omitempty"`
}

type btJSONOne struct {
	PID       int               `json:"pid"`
	Comm      string            `json:"comm"`
	Task      string            `json:"task"`
	CPU       int               `json:"cpu"`
	Panic     bool              `json:"panic"`
	OnCPU     bool              `json:"on_cpu"`
	Source    string            `json:"source"`
	StartRegs map[string]string `json:"start_regs,omitempty"`
	Frames    []btFrameJSON     `json:"frames"`
	End       string            `json:"end"`
	Complete  bool              `json:"complete"`
	UserRegs  map[string]string `json:"user_regs,omitempty"`
}

func hexRegs(r kernel.Regs) map[string]string {
	if len(r) == 0 {
		return nil
	}
	m := make(map[string]string, len(r))
	for k, v := range r {
		m[k] = hexAddr(v)
	}
	return m
}

func btJSON(note string, bts []*kernel.Backtrace) any {
	out := struct {
		Selection  string      `json:"selection"`
		Backtraces []btJSONOne `json:"backtraces"`
	}{Selection: note, Backtraces: []btJSONOne{}}
	for _, b := range bts {
		t := b.Task
		j := btJSONOne{PID: t.PID, Comm: t.Comm, Task: hexAddr(t.Addr), CPU: t.CPU, Panic: t.Panic, OnCPU: t.OnCPU,
			Source: b.Source, StartRegs: hexRegs(b.StartRegs), End: b.End, Complete: b.Complete,
			UserRegs: hexRegs(b.UserRegs), Frames: []btFrameJSON{}}
		for _, f := range b.Frames {
			fj := btFrameJSON{Index: f.Index, SP: hexAddr(f.SP), PC: hexAddr(f.PC), Symbol: f.Symbol, Func: f.Func,
				Offset: fmt.Sprintf("%#x", f.Offset), Module: f.Module, File: f.File, Line: f.Line, Stack: f.Stack,
				How: f.How, Unreliable: f.Unreliable, Exception: hexRegs(f.Exception)}
			if f.Exception != nil {
				fj.ExceptionAddr = hexAddr(f.ExceptionAddr)
			}
			j.Frames = append(j.Frames, fj)
		}
		out.Backtraces = append(out.Backtraces, j)
	}
	return out
}
