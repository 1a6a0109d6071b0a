package kernel

import (
	"fmt"
	"time"
)

// Sys is what crash's `sys` shows, and what kdx's first screen shows.
type Sys struct {
	DumpFiles    []string  `json:"dump_files"`
	DumpFormat   string    `json:"dump_format"` // "kdump (lzo)", "elf", ...
	DumpLevel    int       `json:"dump_level"`  // makedumpfile -d; -1 when unfiltered or unknown
	Incomplete   bool      `json:"incomplete"`
	Vmlinux      string    `json:"vmlinux"`
	BuildID      string    `json:"build_id"`
	Release      string    `json:"release"`
	Version      string    `json:"version"`
	Machine      string    `json:"machine"`
	Nodename     string    `json:"nodename"`
	CrashTime    time.Time `json:"crash_time"` // zero when the dump does not say
	Uptime       float64   `json:"uptime_seconds"`
	CPUs         int       `json:"cpus"` // online
	PossibleCPUs int       `json:"possible_cpus"`
	Tasks        int       `json:"tasks"`
	MemoryBytes  uint64    `json:"memory_bytes"`
	Panic        string    `json:"panic"`      // "" when the dump is not of a panic
	Oops         []string  `json:"oops"`       // the BUG/Oops lines that led to it
	PanicTask    *Task     `json:"panic_task"` // nil when unknown
	Taint        string    `json:"taint"`      // letters, e.g. "DOE"
	TaintNames   []string  `json:"taint_names"`
	Warnings     []string  `json:"warnings"`
}

// Sys gathers the system facts. Missing pieces (an unreadable variable)
// leave their field empty and add a warning rather than failing: the
// first screen must show whatever can be shown.
func (k *Kernel) Sys() (*Sys, error) {
	s := &Sys{DumpFiles: k.Dump.Paths(), DumpFormat: k.dumpFormat(), DumpLevel: -1,
		Incomplete: k.Dump.Incomplete(), Vmlinux: k.Bin.Path(), BuildID: k.Bin.BuildID(),
		PossibleCPUs: k.nrCPUs()}
	if lvl, ok := k.Dump.DumpLevel(); ok {
		s.DumpLevel = lvl
	}
	var warn []string
	note := func(what string, err error) {
		if err != nil {
			warn = append(warn, fmt.Sprintf("%s: %v", what, err))
		}
	}
	note("utsname", k.readUts(s))
	if k.Info != nil {
		if t, ok := k.Info.CrashTime(); ok {
			s.CrashTime = t
		}
	}
	note("uptime", k.readUptime(s))
	note("cpus", k.readCounter("__num_online_cpus", &s.CPUs))
	note("memory", k.readMemory(s))
	note("taint", k.readTaint(s))
	if lg, err := k.Log(); err == nil {
		s.Panic, s.Oops = lg.PanicMessage(), lg.Oops(3)
	} else {
		note("log", err)
	}
	if tl, err := k.Tasks(); err == nil {
		s.Tasks, s.PanicTask = len(tl.Tasks), tl.Panic
	} else {
		note("tasks", err)
	}
	s.Warnings = append(k.Warnings(), warn...)
	return s, nil
}

func (k *Kernel) dumpFormat() string { return dumpFormat(k.Dump) }

func (k *Kernel) readUts(s *Sys) error {
	v, err := k.Global("init_uts_ns")
	if err != nil {
		return err
	}
	for _, f := range []struct {
		dst  *string
		name string
	}{{&s.Release, "release"}, {&s.Version, "version"}, {&s.Machine, "machine"}, {&s.Nodename, "nodename"}} {
		if *f.dst, err = stringField(v, "name."+f.name, 65); err != nil {
			return err
		}
	}
	return nil
}

// readUptime takes CLOCK_MONOTONIC seconds from the timekeeper (tk_core),
// which needs no HZ.
func (k *Kernel) readUptime(s *Sys) error {
	v, err := k.Global("tk_core")
	if err != nil {
		return err
	}
	sec, err := uintField(v, "timekeeper.ktime_sec")
	if err != nil {
		return err
	}
	s.Uptime = float64(sec)
	return nil
}

func (k *Kernel) readCounter(name string, dst *int) error {
	v, err := k.Global(name)
	if err != nil {
		return err
	}
	n, err := intField(v, "counter")
	*dst = n
	return err
}

func (k *Kernel) readMemory(s *Sys) error {
	v, err := k.Global("_totalram_pages")
	if err != nil {
		return err
	}
	pages, err := uintField(v, "counter")
	if err != nil {
		return err
	}
	s.MemoryBytes = pages * uint64(k.Dump.PageSize())
	return nil
}

func (k *Kernel) readTaint(s *Sys) error {
	v, err := k.Global("tainted_mask")
	if err != nil {
		return err
	}
	mask, err := v.Uint()
	if err != nil {
		return err
	}
	s.Taint = k.taintLetters(mask)
	s.TaintNames = TaintNames(s.Taint)
	return nil
}
