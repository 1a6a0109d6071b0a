package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

func (m Model) key(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste {
		return m.keys(msg.Runes)
	}
	if m.state != rootReady {
		if key.Matches(msg, keys.Quit) || msg.String() == "esc" {
			return m, tea.Quit
		}
		if m.state == rootLoading && len(m.pending) < maxPending {
			m.pending = append(m.pending, msg) // typed ahead: replayed once open
		}
		return m, nil
	}
	if m.mode != modeNormal {
		return m.inputKey(msg)
	}
	if m.help {
		m.help = false // any key closes help
		return m, nil
	}
	p := m.page()
	switch {
	case key.Matches(msg, keys.Quit):
		return m, tea.Quit
	case key.Matches(msg, keys.Help):
		m.help = true
	case key.Matches(msg, keys.Cancel):
		return m.cancel()
	case key.Matches(msg, keys.Command):
		m.prompt(modeCommand, "")
	case key.Matches(msg, keys.Back):
		m.move(-1)
	case key.Matches(msg, keys.Forward):
		m.move(1)
	case p == nil:
	case key.Matches(msg, keys.Search):
		m.prompt(modeSearch, "") // n and N repeat the last search
	case key.Matches(msg, keys.Filter):
		m.prompt(modeFilter, p.filter)
	case key.Matches(msg, keys.Wrap):
		m.wrap = !m.wrap
	default:
		return m.pageKey(p, msg)
	}
	return m, nil
}

// keys handles runes that arrived in one read (typed ahead over a slow
// link, or sent by tmux) one key at a time, as the user typed them.
func (m Model) keys(runes []rune) (tea.Model, tea.Cmd) {
	var cmds []tea.Cmd
	var tm tea.Model = m
	for _, r := range runes {
		var c tea.Cmd
		tm, c = tm.(Model).key(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
		cmds = append(cmds, c)
	}
	return tm, tea.Batch(cmds...)
}

// pageKey handles the keys that act on the shown page.
func (m Model) pageKey(p *page, msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	for _, vk := range viewKeys() {
		if key.Matches(msg, vk.b) {
			c, _ := ParseCommand(vk.cmd)
			return m.run(c)
		}
	}
	if (p.state == stCancelled || p.state == stFailed) && key.Matches(msg, keys.Open) {
		return m, m.load(p) // try again
	}
	if m.moveKey(p, msg) {
		return m, nil
	}
	addr, hasAddr := m.selected(p)
	if !hasAddr && needsAddr(msg) {
		m.status = "no address on this line (move to one with an address: ←/→ pick among several)"
		return m, nil
	}
	switch {
	case key.Matches(msg, keys.Open):
		return m.enter(p, addr, hasAddr)
	case key.Matches(msg, keys.Whatis) && hasAddr:
		return m.run(Command{Name: "whatis", Addr: addr, HasAddr: true})
	case key.Matches(msg, keys.Rd) && hasAddr:
		return m.run(Command{Name: "rd", Addr: addr &^ 7, HasAddr: true, Count: 64})
	case key.Matches(msg, keys.Refs) && hasAddr:
		return m.run(Command{Name: "refs", Addr: addr, HasAddr: true})
	case key.Matches(msg, keys.Mark) && hasAddr:
		m.markAddr = addr
		m.prompt(modeNote, "")
	case key.Matches(msg, keys.NextMatch), msg.String() == "N":
		m.findNext(p, msg.String() == "N")
	case key.Matches(msg, keys.Level) && p.cmd.Name == "log":
		p.level = (p.level + 7) % 8 // 7,6,...,0,7
		if p.level == 7 {
			m.statusf("log: all levels")
		} else {
			m.statusf("log: levels 0..%d", p.level)
		}
		p.cursor = max(0, len(p.visible())-1)
		m.scrollTo(p)
	case key.Matches(msg, keys.ListNext) && p.walk != nil:
		return m, m.step(p, 1)
	case key.Matches(msg, keys.ListRun) && p.walk != nil:
		return m, m.stepRun(p, 1, true)
	case key.Matches(msg, keys.ListPrev) && p.walk != nil:
		return m, m.step(p, -1)
	case key.Matches(msg, keys.Check):
		return m.run(Command{Name: "check", Arg: checkScope(p, m.curLine(p))})
	}
	return m, nil
}

// enter is Enter: the line's own action when it has one, else whatis of
// the selected address.
func (m Model) enter(p *page, addr uint64, hasAddr bool) (tea.Model, tea.Cmd) {
	if l := m.curLine(p); l != nil && l.action != "" && p.sel == 0 {
		c, err := ParseCommand(l.action)
		if err != nil {
			m.setErr(err)
			return m, nil
		}
		return m.run(c)
	}
	if hasAddr {
		return m.run(Command{Name: "whatis", Addr: addr, HasAddr: true})
	}
	return m, nil
}

// checkScope is the cache the shown page (or, in slabinfo, the line under
// the cursor) is about, "" for all caches.
func checkScope(p *page, l *line) string {
	switch {
	case p.cmd.Name == "kmem -S":
		return p.cmd.Arg
	case p.cmd.Name == "kmem -s" && l != nil && strings.HasPrefix(l.action, "kmem -S "):
		return strings.TrimPrefix(l.action, "kmem -S ")
	}
	return ""
}

// moveKey handles cursor and selection movement.
func (m *Model) moveKey(p *page, msg tea.KeyMsg) bool {
	n := len(p.visible())
	body := m.bodyHeight()
	switch {
	case key.Matches(msg, keys.Up):
		p.cursor--
	case key.Matches(msg, keys.Down):
		p.cursor++
	case key.Matches(msg, keys.PgUp):
		p.cursor -= body
	case key.Matches(msg, keys.PgDown):
		p.cursor += body
	case key.Matches(msg, keys.Top):
		p.cursor = 0
	case key.Matches(msg, keys.Bottom):
		p.cursor = n - 1
	case key.Matches(msg, keys.NextAddr):
		if l := m.curLine(p); l != nil && p.sel+1 < len(l.addrSpans()) {
			p.sel++
		}
		return true
	case key.Matches(msg, keys.PrevAddr):
		if p.sel > 0 {
			p.sel--
		}
		return true
	default:
		return false
	}
	p.cursor = max(0, min(p.cursor, n-1))
	p.sel = 0
	m.scrollTo(p)
	return true
}

// move goes back (-1) or forward (+1) in the page stack.
func (m *Model) move(d int) {
	to := m.cur + d
	if to < 0 || to >= len(m.pages) {
		m.status = "no more history"
		return
	}
	m.cur = to
}

// cancel is Esc: stop the shown page's load, or a running check.
func (m Model) cancel() (tea.Model, tea.Cmd) {
	if p := m.page(); p != nil && p.state == stLoading {
		p.cancel()
		p.cancel, p.state = nil, stCancelled
		m.status = "cancelled"
		return m, nil
	}
	if m.check != nil && !m.check.finished() {
		m.check.cancel()
		m.status = "check cancelled"
		return m, nil
	}
	m.status = ""
	return m, nil
}

func (m *Model) curLine(p *page) *line {
	vis := p.visible()
	if p.cursor < 0 || p.cursor >= len(vis) {
		return nil
	}
	return &p.lines[vis[p.cursor]]
}

// selected is the address under the cursor.
func (m *Model) selected(p *page) (uint64, bool) {
	l := m.curLine(p)
	if l == nil {
		return 0, false
	}
	return l.addrAt(p.sel)
}

// findNext moves the cursor to the next (or previous) line matching the
// page's search.
func (m *Model) findNext(p *page, back bool) {
	if p.search == "" {
		return
	}
	vis := p.visible()
	s := strings.ToLower(p.search)
	for i := 1; i <= len(vis); i++ {
		j := p.cursor + i
		if back {
			j = p.cursor - i
		}
		j = ((j % len(vis)) + len(vis)) % len(vis)
		if strings.Contains(strings.ToLower(p.lines[vis[j]].text), s) {
			p.cursor, p.sel = j, 0
			m.scrollTo(p)
			return
		}
	}
	m.status = fmt.Sprintf("not found: %s", p.search)
}

// scrollTo keeps the cursor inside the body.
func (m *Model) scrollTo(p *page) {
	body := m.bodyHeight()
	if p.cursor < p.top {
		p.top = p.cursor
	}
	if p.cursor >= p.top+body {
		p.top = p.cursor - body + 1
	}
	p.top = max(0, p.top)
}

// needsAddr says whether a key acts on the selected address.
func needsAddr(msg tea.KeyMsg) bool {
	return key.Matches(msg, keys.Whatis) || key.Matches(msg, keys.Rd) || key.Matches(msg, keys.Refs) || key.Matches(msg, keys.Mark)
}
