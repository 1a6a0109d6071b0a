package kernel

import (
	"testing"

	"github.com/kdx-dev/kdx/internal/fixture"
)

func TestSys(t *testing.T) {
	for _, c := range []struct{ scenario, format string }{{"clean", "elf"}, {"panic", "kdump-c31"}, {"panic", "kdump-l31"}} {
		t.Run(c.scenario+"/"+c.format, func(t *testing.T) {
			k := openFixture(t, c.scenario, c.format)
			s, err := k.Sys()
			if err != nil {
				t.Fatal(err)
			}
			if s.Release != fixture.Release || s.Machine != "x86_64" {
				t.Errorf("release %q machine %q", s.Release, s.Machine)
			}
			if s.CPUs < 1 || s.CPUs > s.PossibleCPUs {
				t.Errorf("cpus %d of %d", s.CPUs, s.PossibleCPUs)
			}
			if s.MemoryBytes < 512<<20 || s.MemoryBytes > 1<<30 {
				t.Errorf("memory %d bytes, want a 1 GiB guest's RAM", s.MemoryBytes)
			}
			if s.Uptime < 1 || s.Uptime > 600 {
				t.Errorf("uptime %v s", s.Uptime)
			}
			if s.Tasks < 20 {
				t.Errorf("%d tasks", s.Tasks)
			}
			// The module is out-of-tree and unsigned: O and E at least.
			if !containsAll(s.Taint, "OE") {
				t.Errorf("taint %q lacks O and E", s.Taint)
			}
			if c.scenario == "panic" {
				if s.Panic != "Fatal exception" || s.PanicTask == nil || s.DumpLevel != 31 {
					t.Errorf("panic %q task %v level %d", s.Panic, s.PanicTask, s.DumpLevel)
				}
				if len(s.Oops) == 0 || s.Oops[0] != "BUG: kernel NULL pointer dereference, address: 0000000000000008" {
					t.Errorf("oops lines %q, want the NULL dereference first", s.Oops)
				}
				if !containsAll(s.Taint, "D") || s.CrashTime.IsZero() {
					t.Errorf("panic dump: taint %q (want D), crash time %v", s.Taint, s.CrashTime)
				}
			} else if s.Panic != "" || s.PanicTask != nil {
				t.Errorf("live dump reports a panic: %q %v", s.Panic, s.PanicTask)
			}
		})
	}
}

func containsAll(s, letters string) bool {
	for _, l := range letters {
		found := false
		for _, c := range s {
			found = found || c == l
		}
		if !found {
			return false
		}
	}
	return true
}
