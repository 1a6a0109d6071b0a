package tui

import (
	"context"
	"fmt"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/kdx-dev/kdx/kernel"
)

// checkRun is a background slab check. The engine reports into it from
// its own goroutine; the browser polls a snapshot every 100 ms (gdu's
// pattern), so a flood of findings never floods the event loop.
type checkRun struct {
	scope  string
	cancel context.CancelFunc

	mu          sync.Mutex
	done, total int
	pending     []kernel.Finding
	count       int
	fin         bool
	err         error
}

type checkTickMsg struct{ run *checkRun }

func tickCheck(r *checkRun) tea.Cmd {
	return tea.Tick(100*time.Millisecond, func(time.Time) tea.Msg { return checkTickMsg{r} })
}

func (m Model) startCheck(c Command) (tea.Model, tea.Cmd) {
	if m.check != nil && !m.check.finished() {
		m.status = "a check is already running (esc cancels it)"
		return m, nil
	}
	m.dropFindings(c.Arg)
	ctx, cancel := context.WithCancel(context.Background())
	r := &checkRun{scope: c.Arg, cancel: cancel}
	m.check = r
	b := m.b
	go func() {
		s := b.Slab() // may read the dump: not in Update
		if s == nil {
			r.mu.Lock()
			r.fin, r.err = true, errNoSlab
			r.mu.Unlock()
			return
		}
		err := s.Check(ctx, c.Arg,
			func(done, total int) { r.mu.Lock(); r.done, r.total = done, total; r.mu.Unlock() },
			func(f kernel.Finding) {
				r.mu.Lock()
				if r.count < maxFindings {
					r.pending = append(r.pending, f)
				}
				r.count++
				r.mu.Unlock()
			})
		r.mu.Lock()
		r.fin, r.err = true, err
		r.mu.Unlock()
	}()
	mm, cmd := m.push(Command{Name: "findings"})
	return mm, tea.Batch(cmd, tickCheck(r))
}

// dropFindings forgets the findings a new check of scope will remake.
func (m *Model) dropFindings(scope string) {
	keep := m.findings[:0]
	for _, f := range m.findings {
		if scope != "" && f.Cache != scope {
			keep = append(keep, f)
		}
	}
	m.findings = keep
	m.bad = map[uint64]bool{}
	for _, f := range m.findings {
		m.bad[f.Addr] = true
	}
	m.touch()
}

func (m Model) checkTick(msg checkTickMsg) (tea.Model, tea.Cmd) {
	if msg.run != m.check {
		return m, nil // a cancelled or replaced run
	}
	r := msg.run
	r.mu.Lock()
	got, fin, err := r.pending, r.fin, r.err
	r.pending = nil
	r.mu.Unlock()
	for _, f := range got {
		m.addFinding(f)
	}
	if !fin {
		return m, tickCheck(r)
	}
	m.touch()
	switch {
	case err != nil && err == context.Canceled:
		m.statusf("check cancelled: %d findings so far", len(m.findings))
	case err != nil:
		m.setErr(err)
	default:
		m.statusf("%s: %d findings", r.summary(), len(m.findings))
	}
	return m, nil
}

func (r *checkRun) finished() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.fin
}

func (r *checkRun) summary() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	scope := r.scope
	if scope == "" {
		scope = "all caches and global lists"
	}
	state := "running"
	if r.fin {
		state = "done"
		if r.err != nil {
			state = "stopped"
		}
	}
	return fmt.Sprintf("check of %s %s", scope, state)
}

// line is the progress bar while the check runs, "" after.
func (r *checkRun) line(w int) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fin {
		return ""
	}
	pct := 0
	if r.total > 0 {
		pct = r.done * 100 / r.total
	}
	s := fmt.Sprintf("check %s %3d%%  %d/%d steps  (esc cancels)", bar(pct, 20), pct, r.done, r.total)
	if len(s) > w {
		s = s[:max(0, w)]
	}
	return stFooter.Render(s)
}
