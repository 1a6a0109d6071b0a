package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/kdx-dev/kdx/kernel"
)

func init() {
	register(command{name: "sys", summary: "system facts: release, crash time, uptime, CPUs, memory, panic, taint", run: runSys})
}

func runSys(args []string, stdout, stderr io.Writer) int {
	return withKernel("sys", "Print what the dump says about the system and the crash.", args, stdout, stderr, nil,
		func(k *kernel.Kernel, df *dumpFlags) (any, string, error) {
			s, err := k.Sys()
			if err != nil {
				return nil, "", err
			}
			var b strings.Builder
			printSys(&b, s)
			return s, b.String(), nil
		})
}

func printSys(w io.Writer, s *kernel.Sys) {
	row := func(k, v string) { fmt.Fprintf(w, "%12s: %s\n", k, kernel.Sanitize(v, false)) }
	row("DUMPFILE", strings.Join(s.DumpFiles, " "))
	format := s.DumpFormat
	if s.DumpLevel >= 0 {
		format += fmt.Sprintf(", dump level %d", s.DumpLevel)
	}
	if s.Incomplete {
		format += ", INCOMPLETE"
	}
	row("FORMAT", format)
	row("KERNEL", s.Vmlinux)
	row("BUILD-ID", s.BuildID)
	row("CPUS", fmt.Sprintf("%d (of %d possible)", s.CPUs, s.PossibleCPUs))
	if !s.CrashTime.IsZero() {
		row("DATE", s.CrashTime.UTC().Format(time.RFC1123))
	}
	row("UPTIME", (time.Duration(s.Uptime) * time.Second).String())
	row("TASKS", fmt.Sprint(s.Tasks))
	row("NODENAME", s.Nodename)
	row("RELEASE", s.Release)
	row("VERSION", s.Version)
	row("MACHINE", s.Machine)
	row("MEMORY", fmt.Sprintf("%.1f GiB", float64(s.MemoryBytes)/(1<<30)))
	if s.Panic != "" {
		row("PANIC", fmt.Sprintf("%q", "Kernel panic - not syncing: "+s.Panic))
	}
	for i, o := range s.Oops {
		if i == 0 {
			row("OOPS", o)
		} else {
			fmt.Fprintf(w, "%12s  %s\n", "", kernel.Sanitize(o, false))
		}
	}
	if t := s.PanicTask; t != nil {
		row("PANIC TASK", fmt.Sprintf("pid %d %q on cpu %d (task %#x)", t.PID, t.Comm, t.CPU, t.Addr))
	}
	taint := s.Taint
	if taint == "" {
		taint = "none"
	}
	row("TAINT", taint)
	for _, n := range s.TaintNames {
		fmt.Fprintf(w, "%12s  %s\n", "", n)
	}
	for _, wn := range s.Warnings {
		fmt.Fprintf(w, "warning: %s\n", kernel.Sanitize(wn, false))
	}
}
