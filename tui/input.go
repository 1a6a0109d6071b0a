package tui

import (
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/kdx-dev/kdx/kernel"
)

// prompt opens the bottom line for a command, search, filter or note.
func (m *Model) prompt(mode inputMode, value string) {
	m.mode = mode
	m.input.Prompt = map[inputMode]string{modeCommand: ":", modeSearch: "/", modeFilter: "filter: ", modeNote: "note: "}[mode]
	m.input.SetValue(value)
	m.input.CursorEnd()
	m.input.Focus()
	m.histPos = len(m.hist)
}

func (m Model) inputKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch msg.String() {
	case "esc", "ctrl+c":
		m.mode = modeNormal
		m.input.Blur()
		return m, nil
	case "enter", "ctrl+j": // ctrl+j: a newline typed before the tty went raw
		return m.submit()
	case "tab":
		if m.mode == modeCommand {
			m.complete()
		}
		return m, nil
	case "up", "down":
		if m.mode == modeCommand {
			m.recall(msg.String() == "up")
		}
		return m, nil
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	return m, cmd
}

// complete extends the command line to the longest common prefix of the
// names that match, and lists them when there are several.
func (m *Model) complete() {
	v := m.input.Value()
	c := Complete(v, m.caches)
	switch len(c) {
	case 0:
		m.status = "no completion for " + v
	case 1:
		m.input.SetValue(c[0] + " ")
	default:
		m.input.SetValue(commonPrefix(c))
		m.status = strings.Join(c, "  ")
	}
	m.input.CursorEnd()
}

func commonPrefix(s []string) string {
	p := s[0]
	for _, x := range s[1:] {
		for !strings.HasPrefix(x, p) {
			p = p[:len(p)-1]
		}
	}
	return p
}

func (m *Model) recall(up bool) {
	if len(m.hist) == 0 {
		return
	}
	if up && m.histPos > 0 {
		m.histPos--
	} else if !up && m.histPos < len(m.hist) {
		m.histPos++
	}
	if m.histPos == len(m.hist) {
		m.input.SetValue("")
		return
	}
	m.input.SetValue(m.hist[m.histPos])
	m.input.CursorEnd()
}

func (m Model) submit() (tea.Model, tea.Cmd) {
	v := strings.TrimSpace(m.input.Value())
	mode := m.mode
	m.mode = modeNormal
	m.input.Blur()
	p := m.page()
	switch mode {
	case modeSearch:
		if p != nil {
			p.search = v
			m.findNext(p, false)
		}
	case modeFilter:
		if p != nil {
			p.filter, p.cursor, p.top, p.sel = v, 0, 0, 0
		}
	case modeNote:
		m.addBookmark(v)
	case modeCommand:
		if v == "" {
			return m, nil
		}
		m.remember(v)
		c, err := ParseCommand(v)
		if err != nil {
			m.setErr(err)
			return m, nil
		}
		return m.run(c)
	}
	return m, nil
}

func (m *Model) remember(v string) {
	if n := len(m.hist); n > 0 && m.hist[n-1] == v {
		return
	}
	m.hist = append(m.hist, v)
	if len(m.hist) > maxHistory {
		m.hist = append([]string(nil), m.hist[len(m.hist)-maxHistory:]...)
	}
}

func (m *Model) addBookmark(note string) {
	if len(m.bookmarks) >= maxBookmarks {
		m.status = "too many bookmarks"
		return
	}
	what := ""
	if p := m.page(); p != nil {
		what = p.cmd.String()
	}
	m.bookmarks = append(m.bookmarks, Bookmark{Addr: m.markAddr, Note: kernel.Sanitize(note, false), What: what})
	m.statusf("bookmarked %#x", m.markAddr)
	m.touch()
}
