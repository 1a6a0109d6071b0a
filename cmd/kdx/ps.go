package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/kdx-dev/kdx/kernel"
)

func init() {
	register(command{name: "ps", summary: "list every task: pid, ppid, cpu, state, comm, task address", run: runPs})
}

func runPs(args []string, stdout, stderr io.Writer) int {
	return withKernel("ps", "List every task (init_task.tasks, thread groups, per-CPU idle tasks).", args, stdout, stderr, nil,
		func(k *kernel.Kernel, df *dumpFlags) (any, string, error) {
			tl, err := k.Tasks()
			if err != nil {
				return nil, "", err
			}
			var b strings.Builder
			printPs(&b, tl)
			return psJSON(tl), b.String(), nil
		})
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
	out.Problems = nonNil(out.Problems)
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
