package tui

import (
	tea "github.com/charmbracelet/bubbletea"
)

// export writes the report in a tea.Cmd with the session's findings and
// bookmarks; the result comes back as the status line.
func (m *Model) export(c Command) tea.Cmd {
	b := m.b
	s := Session{Findings: append(m.findings[:0:0], m.findings...), Bookmarks: append(m.bookmarks[:0:0], m.bookmarks...),
		Types: make(map[uint64]string, len(m.types))}
	for k, v := range m.types {
		s.Types[k] = v
	}
	m.statusf("exporting %s…", c.Arg)
	return func() tea.Msg {
		if err := b.Export(c.Arg, c.Force, s); err != nil {
			return statusMsg("error: export: " + err.Error())
		}
		return statusMsg("wrote " + c.Arg)
	}
}
