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

// crashSections splits crash's "bt -a" output by task address.
func crashSections(out string) map[uint64][]crashFrame {
	secs := map[uint64][]crashFrame{}
	re := regexp.MustCompile(`(?m)^PID: +\d+ +TASK: ([0-9a-f]+)`)
	idx := re.FindAllStringSubmatchIndex(out, -1)
	for n, m := range idx {
		end := len(out)
		if n+1 < len(idx) {
			end = idx[n+1][0]
		}
		task, _ := strconv.ParseUint(out[m[2]:m[3]], 16, 64)
		secs[task] = parseCrashBt([]byte(out[m[0]:end]))
	}
	return secs
}

// TestBacktraceMatchesCrash: for every task crash's "bt -a" shows (the
// active task of each CPU), every frame kdx unwinds, apart from frame 0
// (the saved PC) and the interrupted PC of an exception frame (crash
// prints it as "[exception RIP: ...]", not as a frame), is a frame of
// crash's at the same stack slot with the same return address. crash's
// extra frames are logged; docs/bt.md explains them.
func TestBacktraceMatchesCrash(t *testing.T) {
	for _, sc := range []string{"panic", "clean"} {
		t.Run(sc, func(t *testing.T) {
			if testing.Short() {
				t.Skip("crash(8) takes 20-30 s per dump")
			}
			dump := fixture.DumpPath(t, sc, "kdump-c31")
			secs := crashSections(runCrash(t, dump, "bt -a"))
			if len(secs) == 0 {
				t.Fatal("no backtraces in crash's output")
			}
			k := openFixture(t, sc, "kdump-c31")
			for task, cf := range secs {
				kt, ok := k.TaskByAddr(task)
				if !ok {
					t.Errorf("crash's task %#x is not in kdx's task list", task)
					continue
				}
				b, err := k.Backtrace(kt)
				if err != nil {
					t.Fatal(err)
				}
				compareWithCrash(t, b, cf)
			}
		})
	}
}

func compareWithCrash(t *testing.T, b *Backtrace, cf []crashFrame) {
	t.Helper()
	type key struct{ sp, pc uint64 }
	have := map[key]bool{}
	for _, f := range cf {
		have[key{f.sp, f.pc}] = true
	}
	matched := map[key]bool{}
	for i, f := range b.Frames {
		if i == 0 || b.Frames[i-1].Exception != nil {
			continue
		}
		k := key{f.SP, f.PC}
		if !have[k] && strings.HasSuffix(f.Func, ".cold") {
			// crash 8.0.2 skips some calls from a function's split-off
			// cold part (oops_end.cold calling panic).
			t.Logf("pid %d: kdx only: #%d [%x] %s at %x", b.Task.PID, i, f.SP, f.Symbol, f.PC)
			continue
		}
		if !have[k] {
			t.Errorf("pid %d: kdx frame #%d [%x] %s at %x is not in crash's bt", b.Task.PID, i, f.SP, f.Symbol, f.PC)
		}
		matched[k] = true
	}
	for _, c := range cf {
		if !matched[key{c.sp, c.pc}] {
			t.Logf("pid %d: crash only: [%x] %s at %x", b.Task.PID, c.sp, c.fn, c.pc)
		}
	}
}
