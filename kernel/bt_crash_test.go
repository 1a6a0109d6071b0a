package kernel

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kdx-dev/kdx/internal/fixture"
)

// crashFrame is one "#N [SP] func at PC" line of crash's bt.
type crashFrame struct {
	sp, pc uint64
	fn     string
}

var crashFrameRE = regexp.MustCompile(`(?m)^\s*#\s*\d+ \[([0-9a-f]+)\] (\S+) at ([0-9a-f]+)`)

func parseCrashBt(out []byte) []crashFrame {
	var fs []crashFrame
	for _, m := range crashFrameRE.FindAllSubmatch(out, -1) {
		sp, _ := strconv.ParseUint(string(m[1]), 16, 64)
		pc, _ := strconv.ParseUint(string(m[3]), 16, 64)
		fs = append(fs, crashFrame{sp: sp, pc: pc, fn: string(m[2])})
	}
	return fs
}

// TestBacktraceMatchesCrash: every frame kdx unwinds on the panic task,
// apart from frame 0 (the saved PC) and the interrupted PC of an exception
// frame (crash prints it as "[exception RIP: ...]", not as a frame), is a
// frame of crash's bt at the same stack slot with the same return
// address. crash's extra frames are logged; docs/bt.md explains them.
func TestBacktraceMatchesCrash(t *testing.T) {
	for _, sc := range []string{"panic", "clean"} {
		t.Run(sc, func(t *testing.T) {
			if testing.Short() {
				t.Skip("crash(8) takes 20-30 s per dump")
			}
			dump := fixture.DumpPath(t, sc, "kdump-c31")
			out := runCrash(t, dump, "bt")
			cf := parseCrashBt([]byte(out))
			if len(cf) == 0 {
				t.Fatalf("no frames in crash's output:\n%s", out)
			}
			k := openFixture(t, sc, "kdump-c31")
			tl, err := k.Tasks()
			if err != nil || tl.Panic == nil {
				t.Fatalf("no panic task: %v", err)
			}
			b, err := k.Backtrace(tl.Panic)
			if err != nil {
				t.Fatal(err)
			}
			bySlot := map[uint64]crashFrame{}
			for _, f := range cf {
				bySlot[f.sp] = f
			}
			matched := map[uint64]bool{}
			for i, f := range b.Frames {
				if i == 0 || (i > 0 && b.Frames[i-1].Exception != nil) {
					continue
				}
				c, ok := bySlot[f.SP]
				if !ok && strings.HasSuffix(f.Func, ".cold") {
					// crash 8.0.2 skips some calls from a function's
					// split-off cold part (oops_end.cold calling panic).
					t.Logf("kdx only: #%d [%x] %s at %x", i, f.SP, f.Symbol, f.PC)
					continue
				}
				if !ok || c.pc != f.PC {
					t.Errorf("kdx frame #%d [%x] %s at %x: crash has %+v", i, f.SP, f.Symbol, f.PC, c)
				}
				matched[f.SP] = true
			}
			for _, c := range cf {
				if !matched[c.sp] {
					t.Logf("crash only: [%x] %s at %x", c.sp, c.fn, c.pc)
				}
			}
		})
	}
}
