package main

import (
	"fmt"
	"io"

	"github.com/kdx-dev/kdx/kernel"
)

func init() {
	register(command{name: "ps", summary: "list every task: pid, ppid, cpu, state, comm, task address", run: runPs})
}

func runPs(args []string, stdout, stderr io.Writer) int {
	fs, df := newFlags("ps", "List every task (init_task.tasks, thread groups, per-CPU idle tasks).", stderr)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return fail(stderr, "ps", err)
	}
	k, err := openKernel(pos, df)
	if err != nil {
		return fail(stderr, "ps", err)
	}
	defer k.Close()
	tl, err := k.Tasks()
	if err != nil {
		return fail(stderr, "ps", err)
	}
	if df.json {
		return jsonOut(stdout, stderr, "ps", psJSON(tl))
	}
	printPs(stdout, tl)
	return 0
}

type psTask struct {
	kernel.Task
	Addr  string `json:"addr"`
	Stack string `json:"stack"`
}

func psJSON(tl *kernel.TaskList) any {
	out := struct {
		Tasks    []psTask `json:"tasks"`
		Problems []string `json:"problems"`
	}{Problems: tl.Problems}
	for _, t := range tl.Tasks {
		out.Tasks = append(out.Tasks, psTask{Task: t, Addr: hexAddr(t.Addr), Stack: hexAddr(t.Stack)})
	}
	if out.Problems == nil {
		out.Problems = []string{}
	}
	return out
}

func printPs(w io.Writer, tl *kernel.TaskList) {
	fmt.Fprintf(w, "   PID    PPID  CPU       TASK        ST  COMM\n")
	for _, t := range tl.Tasks {
		mark := "  "
		switch {
		case t.Panic:
			mark = "!>"
		case t.OnCPU:
			mark = "> "
		}
		comm := kernel.Sanitize(t.Comm, false)
		if t.Kernel {
			comm = "[" + comm + "]"
		}
		fmt.Fprintf(w, "%s%6d %6d %4d  %016x  %s  %s\n", mark, t.PID, t.PPID, t.CPU, t.Addr, t.State, comm)
	}
	for _, p := range tl.Problems {
		fmt.Fprintf(w, "warning: %s\n", kernel.Sanitize(p, false))
	}
}

// jsonOut writes v as JSON, mapping a write failure to exit status 2.
func jsonOut(stdout, stderr io.Writer, name string, v any) int {
	if err := writeJSON(stdout, v); err != nil {
		return fail(stderr, name, err)
	}
	return 0
}
