package kernel

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kdx-dev/kdx/internal/fixture"
)

// runCrash runs crash(8) on a fixture dump with commands on stdin and
// returns what it printed. crash is the anchor kdx is measured against;
// `make fixtures` installs it, so under CI its absence is a failure.
func runCrash(t *testing.T, dump string, cmds ...string) string {
	t.Helper()
	if _, err := exec.LookPath("crash"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("crash(8) is not installed: `make fixtures` installs it")
		}
		t.Skip("crash(8) not installed")
	}
	cmd := exec.Command("crash", "-s", fixture.Vmlinux(t), dump)
	cmd.Stdin = strings.NewReader(strings.Join(append(cmds, "quit"), "\n") + "\n")
	done := make(chan struct{})
	var out []byte
	var err error
	go func() { out, err = cmd.CombinedOutput(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Minute):
		cmd.Process.Kill()
		t.Fatal("crash did not finish in 3 minutes")
	}
	if err != nil && len(out) == 0 {
		t.Fatalf("crash: %v", err)
	}
	return string(out)
}

// crashSection returns the rows of a crash table: the lines after the
// first line starting with header for as long as the field at addrCol is
// a 16-digit hex address (crash prints no blank line between commands).
func crashSection(out, header string, addrCol int) [][]string {
	var rows [][]string
	in := false
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if !in {
			in = strings.HasPrefix(l, header)
			continue
		}
		f := strings.Fields(strings.TrimPrefix(l, ">"))
		if len(f) <= addrCol || len(f[addrCol]) != 16 {
			return rows
		}
		if _, err := strconv.ParseUint(f[addrCol], 16, 64); err != nil {
			return rows
		}
		rows = append(rows, f)
	}
	return rows
}

// TestAgainstCrash compares kdx's sys, ps, mod and log with crash 8.0.2
// on the real kdump of the panic: kdx must find everything crash finds.
// The differences are explained in docs/kernel.md.
func TestAgainstCrash(t *testing.T) {
	dump := fixture.DumpPath(t, "panic", "kdump-c31")
	k := openFixture(t, "panic", "kdump-c31")
	out := runCrash(t, dump, "sys", "ps", "mod", "log")

	s, err := k.Sys()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "RELEASE: "+s.Release) {
		t.Errorf("crash's sys has no RELEASE %s", s.Release)
	}
	tl, _ := k.Tasks()
	crashTasks := crashSection(out, "PID", 3)
	if len(crashTasks) == 0 {
		t.Fatal("no ps output from crash")
	}
	for _, f := range crashTasks {
		addr, _ := strconv.ParseUint(f[3], 16, 64)
		if _, ok := k.TaskByAddr(addr); !ok {
			t.Errorf("crash lists task %s (%s) that kdx does not", f[3], f[len(f)-1])
		}
	}
	if len(tl.Tasks) <= len(crashTasks) {
		t.Errorf("kdx lists %d tasks, crash %d: kdx should find every task (crash misses most on 6.1)", len(tl.Tasks), len(crashTasks))
	}
	mods, _ := k.Modules()
	for _, f := range crashSection(out, "MODULE", 0) {
		found := false
		for _, m := range mods {
			found = found || (m.Name == f[1] && fmt.Sprintf("%x", m.Base) == f[2])
		}
		if !found {
			t.Errorf("crash lists module %s at %s that kdx does not", f[1], f[2])
		}
	}
	lg, _ := k.Log()
	kdxLines := map[string]bool{}
	for _, r := range lg.Records {
		kdxLines[strings.TrimRight(strings.SplitN(FormatRecord(r), "\n", 2)[0], " ")] = true
	}
	missing := 0
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "[") && strings.Contains(l, "] ") && !kdxLines[strings.TrimRight(l, " ")] {
			if missing++; missing <= 5 {
				t.Errorf("crash's log has a line kdx's lacks: %q", l)
			}
		}
	}
}

// TestWhatisAgainstCrashKmem checks that crash's `kmem ADDR` and kdx's
// whatis agree on the cache and slab of the ground-truth slab objects.
func TestWhatisAgainstCrashKmem(t *testing.T) {
	dump := fixture.DumpPath(t, "clean", "elf")
	k := openFixture(t, "clean", "elf")
	truth := fixture.Truth(t, "clean")
	var cmds []string
	var samples []fixture.Sample
	for _, s := range truth.Samples {
		if s.Cache != "" {
			cmds = append(cmds, "kmem "+s.Addr.String())
			samples = append(samples, s)
		}
	}
	out := runCrash(t, dump, cmds...)
	for _, s := range samples {
		if !strings.Contains(out, strings.TrimPrefix(s.Slab.String(), "0x")) {
			t.Errorf("crash's kmem output lacks slab %s of %s", s.Slab, s.Addr)
		}
		w := k.Whatis(uint64(s.Addr))
		if !strings.Contains(w.Desc, s.Cache) || w.Page != uint64(s.Slab) {
			t.Errorf("whatis %s: %q page %#x, crash and truth say %s slab %s", s.Addr, w.Desc, w.Page, s.Cache, s.Slab)
		}
	}
}
