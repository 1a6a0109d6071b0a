package kernel

import (
	"strings"
	"testing"

	"github.com/kdx-dev/kdx/internal/fixture"
	"github.com/kdx-dev/kdx/vmcore"
)

// TestEarlyMatchesFull reads each dump twice: the early way (VMCOREINFO
// only, no vmlinux) and the full way (DWARF). The log, the panic message,
// the oops lines, the release and (for the panic) the task and taint must
// agree.
func TestEarlyMatchesFull(t *testing.T) {
	for _, c := range []struct{ scenario, format string }{
		{"panic", "kdump-c31"}, {"panic", "proc-vmcore.elf"}, {"panic", "elf"},
		{"clean", "kdump-zlib"}, {"list", "kdump-l31"},
	} {
		t.Run(c.scenario+"/"+c.format, func(t *testing.T) {
			k := openFixture(t, c.scenario, c.format)
			d, err := vmcore.Open(fixture.DumpPath(t, c.scenario, c.format))
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			e := ReadEarly(d)
			if e.LogErr != nil {
				t.Fatalf("early log: %v", e.LogErr)
			}
			s, err := k.Sys()
			if err != nil {
				t.Fatal(err)
			}
			if e.Release != fixture.Release || e.DumpFormat != s.DumpFormat || !e.CrashTime.Equal(s.CrashTime) {
				t.Errorf("early release %q format %q time %v; full %q %q %v", e.Release, e.DumpFormat, e.CrashTime, s.Release, s.DumpFormat, s.CrashTime)
			}
			full, err := k.Log()
			if err != nil {
				t.Fatal(err)
			}
			compareLogs(t, e.Log, full)
			if e.Panic != s.Panic || len(e.Oops) != len(s.Oops) {
				t.Errorf("early panic %q oops %q; full %q %q", e.Panic, e.Oops, s.Panic, s.Oops)
			}
			if c.scenario != "panic" {
				return
			}
			if e.PanicTask == nil || s.PanicTask == nil || e.PanicTask.PID != s.PanicTask.PID || e.PanicTask.Comm != s.PanicTask.Comm {
				t.Errorf("early panic task %+v; full %+v", e.PanicTask, s.PanicTask)
			}
			// The header is printed before the oops sets D (TAINT_DIE).
			if e.Taint == "" || strings.Trim(e.Taint, s.Taint) != "" {
				t.Errorf("early taint %q is not part of the full taint %q", e.Taint, s.Taint)
			}
		})
	}
}

func compareLogs(t *testing.T, early, full *Log) {
	t.Helper()
	if len(early.Records) != len(full.Records) || len(full.Records) < 100 {
		t.Fatalf("early log has %d records, full %d", len(early.Records), len(full.Records))
	}
	for i, r := range early.Records {
		f := full.Records[i]
		if r.Seq != f.Seq || r.TsNsec != f.TsNsec || r.Text != f.Text || r.Caller != f.Caller || r.Level != -1 {
			t.Fatalf("record %d: early %+v, full %+v", i, r, f)
		}
	}
}

// TestOopsTask parses the oops header in its forms.
func TestOopsTask(t *testing.T) {
	for _, c := range []struct {
		line, comm, taint string
		pid, cpu          int
	}{
		{"CPU: 0 PID: 98 Comm: sh Kdump: loaded Tainted: G           OE      6.1.0-56-cloud-amd64 #1  Debian 6.1.192-2", "sh", "OE", 98, 0},
		{"CPU: 3 PID: 1234 Comm: kworker/3:1 Not tainted 6.1.0 #1", "kworker/3:1", "", 1234, 3},
		{"CPU: 1 PID: 7 Comm: my prog Tainted: P      D    6.1.0 #1", "my prog", "PD", 7, 1},
	} {
		lg := &Log{Records: []LogRecord{{Text: "noise"}, {Text: c.line}, {Text: "Call Trace:"}}}
		task, taint := lg.oopsTask()
		if task == nil || task.PID != c.pid || task.CPU != c.cpu || task.Comm != c.comm || taint != c.taint {
			t.Errorf("%q: got %+v %q", c.line, task, taint)
		}
	}
	if task, _ := (&Log{Records: []LogRecord{{Text: "CPU: x"}}}).oopsTask(); task != nil {
		t.Errorf("no header: got %+v", task)
	}
}
