package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/kdx-dev/kdx/kernel"
)

// bodyHeight is the lines left for the page: header, status and input
// lines take three.
func (m *Model) bodyHeight() int { return max(1, m.h-3) }

func (m Model) View() string {
	switch m.state {
	case rootLoading:
		return m.viewLoading()
	case rootFailed:
		return stErr.Render("kdx: "+kernel.Sanitize(m.err.Error(), false)) + "\n\npress q to quit\n"
	}
	var b strings.Builder
	b.WriteString(m.header() + "\n")
	body := m.body()
	for i := 0; i < m.bodyHeight(); i++ {
		if i < len(body) {
			b.WriteString(body[i])
		}
		b.WriteString("\n")
	}
	b.WriteString(m.statusLine() + "\n")
	b.WriteString(m.inputLine())
	return b.String()
}

// header is the breadcrumbs: the pages behind, the current one in bold.
func (m *Model) header() string {
	var crumbs []string
	for i, p := range m.pages {
		s := kernel.Sanitize(p.cmd.String(), false)
		if i == m.cur {
			s = "[" + s + "]"
		}
		crumbs = append(crumbs, s)
	}
	line := "kdx › " + strings.Join(crumbs, " › ")
	if ansi.StringWidth(line) > m.w {
		line = "…" + tail(line, m.w-1)
	}
	return stHeader.Render(line)
}

// tail is the last w columns of s.
func tail(s string, w int) string {
	r := []rune(s)
	for len(r) > 0 && ansi.StringWidth(string(r)) > w {
		r = r[1:]
	}
	return string(r)
}

func (m *Model) body() []string {
	if m.help {
		return m.helpLines()
	}
	p := m.page()
	if p == nil {
		return nil
	}
	switch p.state {
	case stLoading:
		return []string{fmt.Sprintf("loading %s… %.1fs  (esc cancels)", p.cmd.String(), time.Since(p.since).Seconds())}
	case stFailed:
		return append(wrap(stErr, kernel.Sanitize(p.cmd.String()+": "+p.err.Error(), false), m.w), "", "(enter tries again)")
	case stCancelled:
		return []string{"cancelled: " + kernel.Sanitize(p.cmd.String(), false) + "  (enter runs it again)"}
	}
	m.render(p)
	vis := p.visible()
	h := m.bodyHeight()
	out := make([]string, 0, h)
	for i := p.top; i < len(vis) && i < p.top+h; i++ {
		l := &p.lines[vis[i]]
		out = append(out, m.lineView(p, l, i == p.cursor))
		if i == p.cursor && m.wrap {
			out = append(out, m.wrapRest(l)...)
			if len(out) > h { // keep the whole cursor line on screen
				out = out[len(out)-h:]
			}
		}
	}
	if len(out) > h {
		out = out[:h]
	}
	if len(vis) == 0 {
		out = append(out, stFooter.Render("(nothing to show)"))
	}
	return out
}

// isBad says whether a line shows a corrupted word: one of its own word
// addresses, or an address printed on it, is a finding's address.
func (m *Model) isBad(l *line) bool {
	if l.bad {
		return true
	}
	for _, w := range l.words {
		if m.bad[w] {
			return true
		}
	}
	if l.span[1] > l.span[0] && len(m.bad) < 4096 {
		for a := range m.bad {
			if a >= l.span[0] && a < l.span[1] {
				return true
			}
		}
	}
	for i := range l.addrSpans() {
		if a, ok := l.addrAt(i); ok && m.bad[a] {
			return true
		}
	}
	return false
}

// wrapRest is the part of a long cursor line that did not fit, in rows
// under it (z toggles it), so that a long log line can be read whole.
func (m *Model) wrapRest(l *line) []string {
	w := m.w - 2
	r := []rune(l.text)
	if w <= 0 || ansi.StringWidth(l.text) <= w {
		return nil
	}
	var out []string
	for _, row := range wrapLines([]string{string(r)}, w)[1:] {
		st := stCursor
		if m.isBad(l) {
			st = stBad
		}
		out = append(out, "  "+st.Render(row))
	}
	return out
}

func (m *Model) lineView(p *page, l *line, cur bool) string {
	g1, g2 := " ", " "
	if cur {
		g1 = markCursor
	}
	bad := m.isBad(l)
	if bad {
		g2 = markBad
	}
	text := ansi.Truncate(l.text, m.w-2, "…")
	if cur && m.wrap && ansi.StringWidth(l.text) > m.w-2 {
		text = wrapLines([]string{l.text}, m.w-2)[0] // the rest follows in wrapRest
	}
	st := stCursor
	switch {
	case bad:
		st = stBad
	case p.search != "" && strings.Contains(strings.ToLower(l.text), strings.ToLower(p.search)):
		st = stMatch
	case !cur:
		st = st.UnsetBold()
	}
	if sp := l.addrSpans(); cur && p.sel < len(sp) && sp[p.sel][1] <= len(text) {
		s := sp[p.sel]
		return g1 + g2 + st.Render(text[:s[0]]) + stSel.Render(text[s[0]:s[1]]) + st.Render(text[s[1]:])
	}
	return g1 + g2 + st.Render(text)
}

func (m *Model) statusLine() string {
	if m.check != nil {
		if s := m.check.line(m.w); s != "" {
			return s
		}
	}
	if m.status != "" {
		st := stFooter
		if strings.HasPrefix(m.status, "error") {
			st = stErr
		}
		return st.Render(ansi.Truncate(m.status, m.w, "…"))
	}
	if p := m.page(); p != nil && p.state == stReady {
		vis := len(p.visible())
		s := fmt.Sprintf("%d/%d", min(p.cursor+1, vis), vis)
		if n := len(m.findings); n > 0 {
			s = fmt.Sprintf("%s%d findings (7)  %s", markBad, n, s)
		}
		if p.filter != "" {
			s += "  filter: " + p.filter
		}
		if a, ok := m.selected(p); ok {
			s += fmt.Sprintf("  %#x: enter open · w whatis · x rd · R refs · m mark", a)
		}
		return stFooter.Render(ansi.Truncate(s, m.w, "…"))
	}
	return ""
}

func (m *Model) inputLine() string {
	if m.mode != modeNormal {
		return m.input.View()
	}
	return stFooter.Render(ansi.Truncate("? help  : command  / search  f filter  < back  1-8 views  q quit", m.w, "…"))
}

// helpLines lists the view's bindings from the key table, in two columns
// when the terminal is wide enough, so that all fit in 80x24.
func (m *Model) helpLines() []string {
	name := ""
	if p := m.page(); p != nil {
		name = p.cmd.Name
	}
	var items []string
	for _, g := range helpGroups(name) {
		for _, b := range g {
			h := b.Help()
			items = append(items, fmt.Sprintf("%-10s %s", h.Key, h.Desc))
		}
	}
	out := []string{stTitle.Render("keys (" + name + ")  — any key closes")}
	col := m.w / 2
	if col < 38 {
		for _, it := range items {
			out = append(out, ansi.Truncate(it, m.w, "…"))
		}
	} else {
		half := (len(items) + 1) / 2
		for i := 0; i < half; i++ {
			l := fmt.Sprintf("%-*s", col, ansi.Truncate(items[i], col-1, "…"))
			if i+half < len(items) {
				l += ansi.Truncate(items[i+half], m.w-col, "…")
			}
			out = append(out, l)
		}
	}
	out = append(out, "", "commands: "+strings.Join(commandNames, ", "))
	return wrapLines(out, m.w)
}

func wrap(st interface{ Render(...string) string }, s string, w int) []string {
	var out []string
	for _, l := range wrapLines([]string{s}, w) {
		out = append(out, st.Render(l))
	}
	return out
}

// wrapLines breaks long lines at the width (no word logic: addresses and
// paths have no good break points anyway).
func wrapLines(in []string, w int) []string {
	var out []string
	for _, s := range in {
		r := []rune(s)
		for len(r) > w && w > 0 {
			out = append(out, string(r[:w]))
			r = r[w:]
		}
		out = append(out, string(r))
	}
	return out
}
