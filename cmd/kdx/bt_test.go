package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kdx-dev/kdx/internal/fixture"
)

func TestBtCommand(t *testing.T) {
	vmlinux := fixture.Vmlinux(t)
	panicDump := fixture.DumpPath(t, "panic", "kdump-c31")
	clean := fixture.DumpPath(t, "clean", "elf")
	truth := fixture.Truth(t, "panic")
	modDir := filepath.Dir(fixture.Module(t))
	cases := []struct {
		name     string
		args     []string
		code     int
		inStdout []string
		inStderr string
	}{
		{"panic task", []string{"bt", panicDump, vmlinux}, 0,
			[]string{"# the panic task", truth.Panic.Function + "+0x", "[" + truth.Panic.Module + "]", "exception frame", "entry_SYSCALL_64_after_hwframe"}, ""},
		{"module lines with its .ko", []string{"bt", "--mod-path", modDir, panicDump, vmlinux}, 0,
			[]string{truth.Panic.Function + "+0x", "main.c:"}, ""},
		{"running machine: each CPU", []string{"bt", clean, vmlinux}, 0,
			[]string{"a running machine", "QEMU CPU state of cpu 0", "do_idle"}, ""},
		{"every task", []string{"bt", "-a", clean, vmlinux}, 0,
			[]string{"kdx_worker", "ret_from_fork", "stopped early"}, ""},
		{"one pid, flag after the dump", []string{"bt", clean, vmlinux, "--pid", "1"}, 0, []string{"PID: 1 "}, ""},
		{"no such pid", []string{"bt", "--pid", "99999", clean, vmlinux}, 2, nil, "no task with pid 99999"},
		{"no dump", []string{"bt"}, 2, nil, "no dump file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run(c.args, &out, &errb); code != c.code {
				t.Fatalf("exit %d, want %d; stderr %q", code, c.code, errb.String())
			}
			for _, s := range c.inStdout {
				if !strings.Contains(out.String(), s) {
					t.Errorf("stdout lacks %q:\n%s", s, out.String())
				}
			}
			if !strings.Contains(errb.String(), c.inStderr) {
				t.Errorf("stderr %q lacks %q", errb.String(), c.inStderr)
			}
		})
	}
}

func TestBtJSON(t *testing.T) {
	truth := fixture.Truth(t, "panic")
	var out, errb bytes.Buffer
	if code := run([]string{"bt", "--json", fixture.DumpPath(t, "panic", "proc-vmcore.elf"), fixture.Vmlinux(t)}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var v struct {
		Backtraces []struct {
			PID      int  `json:"pid"`
			Panic    bool `json:"panic"`
			Complete bool `json:"complete"`
			Frames   []struct {
				PC     string `json:"pc"`
				Func   string `json:"func"`
				Module string `json:"module"`
			} `json:"frames"`
		} `json:"backtraces"`
	}
	if err := json.Unmarshal(out.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Backtraces) != 1 || !v.Backtraces[0].Panic || !v.Backtraces[0].Complete {
		t.Fatalf("want one complete panic backtrace: %s", out.String())
	}
	found := false
	for _, f := range v.Backtraces[0].Frames {
		if f.Func == truth.Panic.Function && f.Module == truth.Panic.Module && strings.HasPrefix(f.PC, "0xffffffff") {
			found = true
		}
	}
	if !found {
		t.Errorf("no frame %s [%s] in %s", truth.Panic.Function, truth.Panic.Module, out.String())
	}
}
