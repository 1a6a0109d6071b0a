package tui_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kdx-dev/kdx/internal/fixture"
)

// The end-to-end tests build the real kdx and drive it in an 80x24 tmux
// pane as a person would: keys in with send-keys, the screen read back
// with capture-pane.

type pane struct {
	t    *testing.T
	name string
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// buildKdx builds the real binary once per test run.
func buildKdx(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("tmux is not installed: `make fixtures` (testdata/kernel/deps.sh) installs it")
		}
		t.Skip("tmux not installed")
	}
	buildOnce.Do(func() {
		dir := filepath.Join(os.TempDir(), fmt.Sprintf("kdxe2e-%d", os.Getpid())) // TestMain removes it
		if err := os.MkdirAll(dir, 0o755); err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "kdx")
		goBin, err := exec.LookPath("go")
		if err != nil {
			goBin = "/usr/local/go/bin/go" // where the project's toolchain lives
		}
		out, err := exec.Command(goBin, "build", "-o", builtBin, "github.com/kdx-dev/kdx/cmd/kdx").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("building kdx: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

func openPane(t *testing.T, bin, scenario string) *pane {
	dump := fixture.DumpPath(t, scenario, "kdump-c31")
	vmlinux := fixture.Vmlinux(t)
	mods := filepath.Dir(fixture.Module(t))
	p := &pane{t: t, name: fmt.Sprintf("kdxe2e%d", time.Now().UnixNano())}
	line := fmt.Sprintf("%s %s %s --mod-path %s", bin, dump, vmlinux, mods)
	// A tmux server whose last session just ended may still be exiting
	// ("server exited unexpectedly"): try again a few times.
	var out []byte
	var err error
	for try := 0; try < 5; try++ {
		if out, err = exec.Command("tmux", "new-session", "-d", "-s", p.name, "-x", "80", "-y", "24", line).CombinedOutput(); err == nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("tmux: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("tmux", "kill-session", "-t", p.name).Run() })
	return p
}

func (p *pane) keys(keys ...string) {
	p.t.Helper()
	for _, k := range keys {
		args := []string{"send-keys", "-t", p.name}
		if k == "Enter" || k == "Escape" {
			args = append(args, k)
		} else {
			args = append(args, "-l", k)
		}
		if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
			p.t.Fatalf("send-keys %q: %v\n%s", k, err, out)
		}
	}
}

func (p *pane) screen() string {
	out, err := exec.Command("tmux", "capture-pane", "-p", "-t", p.name).Output()
	if err != nil {
		p.t.Fatalf("capture-pane: %v", err)
	}
	return string(out)
}

// wait returns the screen once it shows want, failing after 30 s.
func (p *pane) wait(want string) string {
	p.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s := p.screen()
		if strings.Contains(s, want) {
			return s
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("screen never showed %q; last screen:\n%s", want, s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestE2EFreelist: from the first screen to the planted bad freelist
// pointer, its page and references, and an exported report naming it.
func TestE2EFreelist(t *testing.T) {
	bin := buildKdx(t)
	truth := fixture.Truth(t, "freelist")
	bad := truth.Corruptions[0].Addr
	p := openPane(t, bin, "freelist")
	p.wait("RELEASE")
	// slabinfo, filtered to the damaged cache, then its slabs, then check it
	p.keys("6")
	p.wait("kdx_obj")
	p.keys("f", "kdx_obj", "Enter", "j", "Enter")
	p.wait("[kmem -S kdx_obj]")
	p.keys("c")
	s := p.wait(fmt.Sprintf("%016x", uint64(bad)))
	if !strings.Contains(s, "!corrupt") {
		t.Fatalf("finding not marked:\n%s", s)
	}
	p.keys("j", "Enter")
	s = p.wait("damaged words")
	if !strings.Contains(s, "4141414141414141!") {
		t.Fatalf("planted word not marked on the finding page:\n%s", s)
	}
	// its slab: the object whose free pointer is bad is marked
	p.keys("/", "→ slab", "Enter", "Enter")
	p.wait("FREELIST#")
	obj := truth.Corruptions[0].Object
	p.keys("/", fmt.Sprintf("%016x", uint64(obj)), "Enter") // it may be below the fold
	s = p.wait(fmt.Sprintf("%016x  free", uint64(obj)))
	if !strings.Contains(s, fmt.Sprintf("!%016x  free       0", uint64(obj))) {
		t.Fatalf("slab view does not mark object %#x:\n%s", uint64(obj), s)
	}
	p.keys("<")
	p.wait("damaged words")
	p.keys("G")
	p.wait("references (")
	out := filepath.Join(t.TempDir(), "report.md")
	p.keys(":export "+out, "Enter")
	p.wait("wrote " + out)
	md, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), fmt.Sprintf("at `%#016x`", uint64(bad))) {
		t.Fatalf("report does not name the finding at %#x:\n%s", uint64(bad), md)
	}
	p.keys(":export "+out, "Enter")
	p.wait("exists (use --force")
}

// TestE2EListWalk: walk the damaged list by hand to the planted bad next.
func TestE2EListWalk(t *testing.T) {
	bin := buildKdx(t)
	truth := fixture.Truth(t, "list")
	c := truth.CorruptionsOf("list-bad-next")[0]
	p := openPane(t, bin, "list")
	p.wait("RELEASE")
	p.keys(":list kdx_list -s kdx_node -l link", "Enter")
	p.wait("entry #0")
	p.keys("]")
	p.wait("entry #1")
	p.keys("[")
	p.wait("entry #0")
	p.keys("}")
	s := p.wait("list-bad-next")
	for _, want := range []string{fmt.Sprintf("entry #%d", c.NodeID), fmt.Sprintf("entry %#x", uint64(c.Node)), "NOT complete"} {
		if !strings.Contains(s, want) {
			t.Fatalf("screen lacks %q:\n%s", want, s)
		}
	}
	// behind the break: recovered from the head's side, on to the bad prev
	bp := truth.CorruptionsOf("list-bad-prev")[0]
	p.keys("}")
	s = p.wait("recovered walking prev pointers back")
	if !strings.Contains(s, fmt.Sprintf("entry %#x", uint64(bp.Node))) {
		p.keys("}")
		s = p.wait(fmt.Sprintf("entry %#x", uint64(bp.Node)))
	}
	if !strings.Contains(s, "list-bad-prev") {
		t.Fatalf("bad prev not shown:\n%s", s)
	}
	// the walk's findings are exported with the node as the walked type
	out := filepath.Join(t.TempDir(), "list.md")
	p.keys(":export "+out, "Enter")
	p.wait("wrote " + out)
	md, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{fmt.Sprintf("`list-bad-next` at `%#016x`", uint64(c.Addr)),
		fmt.Sprintf("`list-bad-prev` at `%#016x`", uint64(bp.Addr)), "The damaged object as `struct kdx_node`"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("list report lacks %q", want)
		}
	}
}

// TestE2EReportCommand: kdx report writes the same report without the
// browser, refuses to overwrite, and overwrites with --force.
func TestE2EReportCommand(t *testing.T) {
	bin := buildKdx(t)
	truth := fixture.Truth(t, "freelist")
	out := filepath.Join(t.TempDir(), "r.md")
	args := []string{"report", "-o", out, fixture.DumpPath(t, "freelist", "kdump-c31"), fixture.Vmlinux(t),
		"--mod-path", filepath.Dir(fixture.Module(t))}
	run := func(extra ...string) (string, int) {
		cmd := exec.Command(bin, append(args, extra...)...)
		b, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(b), code
	}
	if msg, code := run(); code != 1 || !strings.Contains(msg, "wrote "+out) {
		t.Fatalf("first report: exit %d, %s", code, msg)
	}
	md, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		fmt.Sprintf("at `%#016x`", uint64(truth.Corruptions[0].Addr)),
		"| release | " + truth.Release + " |",
		"| build-id | 3b43fad5034874490492495d552c0af6a5fab235 |",
		"## Slab caches (largest first)",
		"The damaged object as `struct kdx_obj`",
	} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if msg, code := run(); code != 2 || !strings.Contains(msg, "--force") {
		t.Fatalf("second report without --force: exit %d, %s", code, msg)
	}
	if msg, code := run("--force"); code != 1 {
		t.Fatalf("--force: exit %d, %s", code, msg)
	}
}

// TestE2EEveryCorruption: from the first screen, a few keys reach each
// planted corruption and show it marked.
func TestE2EEveryCorruption(t *testing.T) {
	bin := buildKdx(t)
	for _, tc := range []struct {
		scenario string
		keys     []string
		want     func(*fixture.GroundTruth) string
	}{
		{"slabmeta", []string{":check", "Enter"}, func(g *fixture.GroundTruth) string {
			return fmt.Sprintf("!corrupt %016x  bad-slab-link", uint64(g.Corruptions[0].Addr))
		}},
		{"bitflip", []string{":check", "Enter"}, func(g *fixture.GroundTruth) string {
			return fmt.Sprintf("%016x  suspect-word", uint64(g.Corruptions[0].Addr))
		}},
		{"leak", []string{"6"}, func(g *fixture.GroundTruth) string {
			return fmt.Sprintf("  %s", g.Corruptions[0].Cache)
		}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			truth := fixture.Truth(t, tc.scenario)
			p := openPane(t, bin, tc.scenario)
			p.wait("RELEASE")
			p.keys(tc.keys...)
			s := p.wait(tc.want(truth))
			if tc.scenario == "leak" {
				lines := strings.Split(s, "\n")
				if len(lines) < 3 || !strings.Contains(lines[2], truth.Corruptions[0].Cache) {
					t.Fatalf("the leaking cache is not the largest:\n%s", s)
				}
			}
		})
	}
}
