package tui

import (
	"context"
	"fmt"
	"slices"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/kdx-dev/kdx/kernel"
)

// maxWalkEntries bounds what a hand walk remembers for stepping back.
const maxWalkEntries = 1 << 16

// walkState is a list walked by hand: the entries reached so far (to step
// back through), where the user is, and the current entry as its type.
type walkState struct {
	cmd     Command
	head    uint64
	st      ListStepper
	entries []kernel.ListEntry
	pos     int // -1: at the head
	seq     int // id of the step in flight; older results are dropped
	busy    bool
	text    string // the current entry printed as its type
	ended   bool
	found   []kernel.Finding
	// recoveredAt is the index of the first entry recovered walking back
	// from the head, 0 before a recovery.
	recoveredAt int
}

// walkMsg is one step's result.
type walkMsg struct {
	page, seq int
	entries   []kernel.ListEntry // new entries reached, none when stepping back
	text      string
	ended     bool
	findings  []kernel.Finding
	recovered bool // entries came from walking back from the head
	err       error
}

func loadList(ctx context.Context, b Backend, c Command) (any, error) {
	st, err := b.ListStepper(c)
	if err != nil {
		return nil, err
	}
	return &walkState{cmd: c, st: st, pos: -1}, nil
}

// startWalk takes the first step once the walker is ready.
func (m *Model) startWalk(p *page) tea.Cmd {
	p.walk = p.data.(*walkState)
	return m.step(p, 1)
}

// step moves the walk forward (reading the next link when it is new) or
// back through the entries already reached.
func (m *Model) step(p *page, d int) tea.Cmd { return m.stepRun(p, d, false) }

// stepRun steps once, or with run goes on to the next entry with a
// problem: among the entries already read, else by reading on, else (the
// forward walk having stopped at a broken link) by recovering the rest of
// the list walking back from the head.
func (m *Model) stepRun(p *page, d int, run bool) tea.Cmd {
	w := p.walk
	if w.busy {
		m.status = "reading…"
		return nil
	}
	to := w.pos + d
	if run {
		if i, ok := w.nextProblem(w.pos); ok {
			w.pos = i
			return m.entryCmd(p, nil, false)
		}
		if w.ended {
			return m.recover(p)
		}
	}
	switch {
	case to < 0:
		m.status = "at the first entry"
		return nil
	case to < len(w.entries) && !run:
		w.pos = to
		return m.entryCmd(p, nil, false)
	case w.ended:
		m.status = "end of the list"
		return nil
	case len(w.entries) >= maxWalkEntries:
		m.status = "walk too long to remember"
		return nil
	}
	return m.entryCmd(p, w.st, run)
}

// nextProblem is the first entry after pos that a finding is about.
func (w *walkState) nextProblem(pos int) (int, bool) {
	for i := pos + 1; i < len(w.entries); i++ {
		if w.hasFinding(w.entries[i]) {
			return i, true
		}
	}
	return 0, false
}

func (w *walkState) hasFinding(e kernel.ListEntry) bool {
	for _, f := range w.found {
		if findingAbout(f, e) {
			return true
		}
	}
	return false
}

// findingAbout says whether a finding is about the entry: its bad word is
// the entry's next or prev, or it names the entry's object.
func findingAbout(f kernel.Finding, e kernel.ListEntry) bool {
	return (f.Addr >= e.Node && f.Addr < e.Node+e.Size) || (f.Object != 0 && f.Object == e.Entry)
}

// ListRecoverer is a ListStepper that can recover the rest of a list whose
// forward walk stopped at a broken link, by walking prev pointers back
// from the head (kernel.WalkList does).
type ListRecoverer interface {
	Rest(have int) ([]kernel.ListEntry, []kernel.Finding, error)
}

// recover reads the part of the list behind the broken link.
func (m *Model) recover(p *page) tea.Cmd {
	w := p.walk
	r, ok := w.st.(ListRecoverer)
	if !ok || w.recoveredAt > 0 || w.st.Complete() {
		m.status = "no more problems on this list"
		return nil
	}
	w.seq++
	w.busy = true
	seq, id, have, typ, b := w.seq, p.id, len(w.entries), w.cmd.Type, m.b
	m.status = "recovering the rest of the list from the head's prev side…"
	return func() tea.Msg {
		rest, fs, err := r.Rest(have)
		msg := walkMsg{page: id, seq: seq, entries: rest, findings: fs, ended: true, recovered: true, err: err}
		if len(rest) > 0 {
			msg.text = entryText(b, typ, rest[0])
		}
		return msg
	}
}

// entryCmd reads the next entry (when st is set; with run, every entry
// up to the next finding) and the current entry's object, in a tea.Cmd.
func (m *Model) entryCmd(p *page, st ListStepper, run bool) tea.Cmd {
	w, b, id := p.walk, m.b, p.id
	w.seq++
	w.busy = true
	seq, cur := w.seq, kernel.ListEntry{}
	if w.pos >= 0 {
		cur = w.entries[w.pos]
	}
	typ, room, known := w.cmd.Type, maxWalkEntries-len(w.entries), len(w.found)
	return func() tea.Msg {
		msg := walkMsg{page: id, seq: seq}
		for st != nil && len(msg.entries) < room {
			e, ok := st.Next()
			msg.ended, msg.findings = !ok || st.Done(), st.Findings()
			if !ok {
				break
			}
			msg.entries, cur = append(msg.entries, e), e
			if !run || msg.ended || len(msg.findings) > known {
				break
			}
		}
		if st != nil && len(msg.entries) == 0 {
			return msg
		}
		msg.text = entryText(b, typ, cur)
		return msg
	}
}

// entryText prints an entry as its container type, or its node words.
func entryText(b Backend, typ string, e kernel.ListEntry) string {
	if typ == "" {
		return fmt.Sprintf("list_head %#x: next %#x prev %#x", e.Node, e.Next, e.Prev)
	}
	s, err := b.Struct(typ, e.Entry)
	if err != nil {
		return typ + ": " + err.Error()
	}
	return visible(s)
}

func (m Model) walked(msg walkMsg) (tea.Model, tea.Cmd) {
	var p *page
	for _, q := range m.pages {
		if q.id == msg.page {
			p = q
		}
	}
	if p == nil || p.walk == nil || p.walk.seq != msg.seq {
		return m, nil
	}
	w := p.walk
	w.busy = false
	if msg.err != nil {
		m.setErr(msg.err)
	}
	switch {
	case msg.recovered && len(msg.entries) == 0:
		m.status = "nothing more recovered walking back from the head"
	case msg.recovered:
		w.recoveredAt = len(w.entries)
		w.entries = append(w.entries, msg.entries...)
		w.pos = w.recoveredAt
		m.statusf("recovered %d entries walking back from the head", len(msg.entries))
	case len(msg.entries) > 0:
		w.entries = append(w.entries, msg.entries...)
		w.pos = len(w.entries) - 1
	}
	w.ended = w.ended || msg.ended
	for _, f := range msg.findings {
		m.addFinding(f)
		if f.Object != 0 && w.cmd.Type != "" && len(m.types) < maxFindings {
			m.types[f.Object] = w.cmd.Type
		}
		if !slices.ContainsFunc(w.found, f.Same) {
			w.found = append(w.found, f)
		}
	}
	if len(msg.entries) > 0 || msg.text != "" {
		w.text = msg.text
	}
	if msg.ended && len(msg.entries) == 0 && !msg.recovered {
		m.status = "end of the list"
	}
	p.version, p.cursor, p.top = -1, 0, 0
	return m, nil
}

func renderList(p *page, m *Model) []line {
	w := p.walk
	if w == nil {
		return []line{plain("starting the walk…")}
	}
	state := "walking"
	if w.ended {
		state = fmt.Sprintf("ended after %d entries", len(w.entries))
		if w.st.Complete() {
			state += ", back at the head: complete"
		} else {
			state += ", NOT complete"
		}
	}
	out := []line{plain("%s: %s  (] next, [ back, } to the next problem)", p.cmd.String(), state)}
	if w.pos < 0 {
		return append(out, plain("reading the first entry…"))
	}
	e := w.entries[w.pos]
	if w.recoveredAt > 0 && w.pos >= w.recoveredAt {
		out = append(out, plain("(recovered walking prev pointers back from the head: the forward walk broke at #%d)", w.recoveredAt-1))
	}
	label := fmt.Sprintf("entry #%d", e.Index)
	if w.recoveredAt > 0 && w.pos >= w.recoveredAt {
		label = fmt.Sprintf("entry %d before the head", len(w.entries)-w.pos)
	}
	out = append(out, plain("%s  node %#x  entry %#x", label, e.Node, e.Entry),
		line{text: fmt.Sprintf("  next %#x  prev %#x", e.Next, e.Prev), level: -1, words: []uint64{e.Node, e.Node + 8}})
	out = append(out, linkChecks(w, e)...)
	others := 0
	for _, f := range w.found {
		if !findingAbout(f, e) {
			others++
			continue
		}
		out = append(out, line{text: "  finding: " + kernel.Sanitize(f.String(), false), level: -1, bad: true})
	}
	if others > 0 {
		out = append(out, plain("  %d finding(s) elsewhere on this list (} goes to the next)", others))
	}
	out = append(out, plain(""))
	base := e.Entry
	if w.cmd.Type == "" {
		base = e.Node
	}
	return append(out, structLines(w.text, base, 0)...)
}

// linkChecks says, as the walk goes, whether this entry's prev points at
// the entry before it and whether the next entry points back here.
func linkChecks(w *walkState, e kernel.ListEntry) []line {
	var out []line
	before := uint64(0)
	if w.pos > 0 {
		before = w.entries[w.pos-1].Node
	}
	switch {
	case w.pos == 0:
		out = append(out, plain("  prev: (first entry: should be the head)  %#x", e.Prev))
	case w.pos == w.recoveredAt:
		out = append(out, plain("  prev: %#x (first entry recovered behind the break)", e.Prev))
	default:
		out = append(out, checkLine("prev == previous entry's node", before, e.Prev))
	}
	if w.pos+1 < len(w.entries) && w.pos+1 != w.recoveredAt {
		out = append(out, checkLine("next entry's prev == this node", e.Node, w.entries[w.pos+1].Prev))
	}
	return out
}

func checkLine(what string, want, got uint64) line {
	if want == got {
		return plain("  ok   %s", what)
	}
	return line{text: fmt.Sprintf("  BAD  %s: expected %#x, found %#x", what, want, got), level: -1, bad: true}
}
