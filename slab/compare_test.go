package slab

import (
	"context"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kdx-dev/kdx/internal/fixture"
	"github.com/kdx-dev/kdx/kernel"
)

// drgnCheck is the drgn 0.0.22 side of the comparison: walk kdx_obj's
// allocated objects with the slab helpers and validate the named lists.
//
//go:embed testdata/drgn_check.py
var drgnCheck string

// TestCompareWithCrashAndDrgn runs kdx, crash 8.0.2 and drgn 0.0.22 on the
// planted scenarios and records what each reports about the planted
// corruption. kdx must find every one; the others' answers are recorded
// (docs/slab.md carries the table), not judged. It takes minutes (crash
// loads the DWARF each time), so -short skips it; so does a missing tool.
func TestCompareWithCrashAndDrgn(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs crash and drgn")
	}
	crash, errC := exec.LookPath("crash")
	py, errP := "/usr/bin/python3", error(nil) // the distribution's, which has python3-drgn
	if _, err := os.Stat(py); err != nil {
		py, errP = exec.LookPath("python3")
	}
	if errC != nil || errP != nil || exec.Command(py, "-c", "import drgn").Run() != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("crash or python3-drgn is not installed: `make fixtures` (testdata/kernel/deps.sh) installs both")
		}
		t.Skip("crash or python3-drgn not installed")
	}
	script := filepath.Join(t.TempDir(), "drgn_check.py")
	if err := os.WriteFile(script, []byte(drgnCheck), 0o644); err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, sc := range []string{"clean", "freelist", "slabmeta", "list", "bitflip"} {
		g := fixture.Truth(t, sc)
		kdx := kdxReport(t, sc, g)
		cr := crashReport(t, crash, sc, g)
		dr := drgnReport(t, py, script, sc)
		rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s |", sc, kdx, cr, dr))
	}
	t.Logf("\n| scenario | kdx check | crash 8.0.2 | drgn 0.0.22 |\n|---|---|---|---|\n%s", strings.Join(rows, "\n"))
}

// kdxReport checks one scenario and fails the test unless every planted
// corruption is found at its address (nothing at all on clean).
func kdxReport(t *testing.T, sc string, g *fixture.GroundTruth) string {
	k, s := openSLUB(t, sc, "elf")
	r, err := s.Check(context.Background(), CheckOptions{Suspect: true})
	if err != nil {
		t.Fatal(err)
	}
	fs := r.Findings
	for _, l := range g.Lists[:2] {
		lr, err := k.WalkList(uint64(l.HeadAddr), kernel.ListOptions{Name: l.Head})
		if err != nil {
			t.Fatal(err)
		}
		fs = append(fs, lr.Findings...)
	}
	if sc == "clean" {
		if len(fs) != 0 {
			t.Errorf("clean: %d findings", len(fs))
		}
		return "no findings"
	}
	var found []string
	for _, c := range g.Corruptions {
		kind := c.Kind
		if kind == "bitflip" {
			kind = kernel.KindSuspectWord
		}
		if !hasFinding(fs, kind, uint64(c.Addr), uint64(c.Addr)+uint64(max(c.Len, 8))) {
			t.Errorf("%s: no %s at %v", sc, kind, c.Addr)
			continue
		}
		found = append(found, fmt.Sprintf("%s at %v", kind, c.Addr))
	}
	return fmt.Sprintf("%d/%d planted found: %s", len(found), len(g.Corruptions), strings.Join(found, "; "))
}

var crashErr = regexp.MustCompile(`(?m)^(kmem|list): .*$`)

func crashReport(t *testing.T, crash, sc string, g *fixture.GroundTruth) string {
	cmds := "kmem -s kdx_obj\nkmem -S kdx_obj\n"
	for _, l := range g.Lists[:2] {
		cmds += fmt.Sprintf("list -H %v\n", l.HeadAddr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, crash, "-s", fixture.Vmlinux(t), fixture.DumpPath(t, sc, "elf"))
	cmd.Stdin = strings.NewReader(cmds + "quit\n")
	out, err := cmd.CombinedOutput()
	if err != nil && len(out) == 0 {
		return "crash failed: " + err.Error()
	}
	errs := crashErr.FindAllString(string(out), 4)
	alloc := regexp.MustCompile(`(?m)^\S+\s+192\s+(\d+)\s+(\d+)\s+(\d+).*kdx_obj$`).FindStringSubmatch(string(out))
	s := "kdx_obj ?"
	if alloc != nil {
		s = fmt.Sprintf("kdx_obj allocated %s of %s", alloc[1], alloc[2])
	}
	if len(errs) == 0 {
		return s + "; no error reported"
	}
	return s + "; " + strings.Join(dedupe(errs), "; ")
}

func drgnReport(t *testing.T, py, script, sc string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, script, fixture.DumpPath(t, sc, "proc-vmcore.elf"), fixture.Vmlinux(t), fixture.Module(t), "kdx_list", "kdx_cycle")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "drgn failed: " + strings.TrimSpace(lastLine(string(out)))
	}
	return strings.ReplaceAll(strings.TrimSpace(string(out)), "|", "/")
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func dedupe(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// BenchmarkCrashKmemS times crash 8.0.2's `kmem -s` on the same dump as
// BenchmarkCheckAll, measured inside one crash session with shell-escape
// timestamps so that crash's start-up (tens of seconds) is reported apart:
// go test -bench 'CheckAll/clean/elf|CrashKmemS' -benchtime 1x ./slab
func BenchmarkCrashKmemS(b *testing.B) {
	crash, err := exec.LookPath("crash")
	if err != nil {
		b.Skip("crash not installed")
	}
	stamp := "!date +T%s.%N\n"
	for b.Loop() {
		start := time.Now()
		cmd := exec.Command(crash, "-s", fixture.Vmlinux(b), fixture.DumpPath(b, "clean", "elf"))
		cmd.Stdin = strings.NewReader(stamp + "kmem -s\n" + stamp + "quit\n")
		out, err := cmd.Output()
		if err != nil {
			b.Fatal(err)
		}
		var ts []float64
		for _, m := range regexp.MustCompile(`(?m)^T(\d+\.\d+)$`).FindAllStringSubmatch(string(out), -1) {
			var f float64
			fmt.Sscan(m[1], &f)
			ts = append(ts, f)
		}
		if len(ts) != 2 {
			b.Fatalf("no timestamps in crash output")
		}
		b.ReportMetric((ts[1]-ts[0])*1e3, "kmem-s-ms")
		b.ReportMetric(time.Since(start).Seconds(), "session-s")
	}
}
