package tui

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/kdx-dev/kdx/kernel"
)

// Bounds that keep a session of hours in bounded memory.
const (
	maxPages     = 32    // back/forward stack
	maxHistory   = 100   // command history
	maxFindings  = 10000 // findings kept from checks
	maxBookmarks = 1000
	maxPending   = 256 // keys typed before the dump is open
)

// rootState is the browser's own state: opening the dump, failed, ready.
type rootState int

const (
	rootLoading rootState = iota
	rootFailed
	rootReady
)

// inputMode is what the bottom line is doing.
type inputMode int

const (
	modeNormal inputMode = iota
	modeCommand
	modeSearch
	modeFilter
	modeNote
)

// Model is the root bubbletea model: the page stack, the command line,
// the findings and bookmarks of the session, and a background check.
type Model struct {
	open  func() (Backend, error)
	since time.Time // when opening began
	b     Backend
	state rootState
	err   error
	w, h  int

	pages   []*page
	cur     int // index of the shown page in pages
	nextID  int
	nextReq int
	version int // bumped when findings/bookmarks change; pages re-render

	mode    inputMode
	input   textinput.Model
	hist    []string
	histPos int
	status  string
	help    bool
	wrap    bool // show the cursor line whole, wrapped

	findings  []kernel.Finding
	bad       map[uint64]bool
	bookmarks []Bookmark
	markAddr  uint64
	check     *checkRun
	pending   []tea.KeyMsg // typed while opening
	earlyFn   func() *kernel.Early
	early     *kernel.Early     // shown while opening, once read
	progress  *Progress         // of the DWARF index build while opening
	types     map[uint64]string // object -> type the user showed it as
	caches    []string          // cache names, for completion, once slabinfo loaded
}

// New makes the browser over a backend that open returns; open runs in a
// tea.Cmd so that the first frame (a loading line) shows at once.
func New(open func() (Backend, error)) Model {
	ti := textinput.New()
	ti.CharLimit = 512
	ti.Cursor.SetMode(cursor.CursorStatic) // no blink: less traffic over SSH
	return Model{open: open, input: ti, bad: map[uint64]bool{}, types: map[uint64]string{}, w: 80, h: 24, since: time.Now()}
}

// openedMsg carries the opened backend.
type openedMsg struct {
	b   Backend
	err error
}

// loadedMsg is a page's data, tagged with the page and request ids so
// that a result for a page left or reloaded since is dropped.
type loadedMsg struct {
	page, req int
	data      any
	err       error
}

// statusMsg sets the bottom line.
type statusMsg string

func (m Model) Init() tea.Cmd {
	open := m.open
	return tea.Batch(func() tea.Msg {
		b, err := open()
		return openedMsg{b, err}
	}, m.earlyCmd(), tickLoading(0, 0))
}

func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
		if p := m.page(); p != nil {
			m.scrollTo(p)
		}
		return m, nil
	case openedMsg:
		if msg.err != nil {
			m.state, m.err = rootFailed, msg.err
			return m, nil
		}
		m.b, m.state, m.early = msg.b, rootReady, nil
		tm, cmd := m.run(Command{Name: "summary"})
		return tm.(Model).replay(cmd)
	case earlyMsg:
		if m.state == rootLoading {
			m.early = msg.e
		}
		return m, nil
	case loadedMsg:
		return m.loaded(msg)
	case statusMsg:
		m.status = string(msg)
		return m, nil
	case checkTickMsg:
		return m.checkTick(msg)
	case walkMsg:
		return m.walked(msg)
	case loadingTickMsg:
		if m.state == rootLoading {
			return m, tickLoading(0, 0)
		}
		if p := m.page(); p != nil && p.id == msg.page && p.req == msg.req && p.state == stLoading {
			return m, tickLoading(msg.page, msg.req)
		}
		return m, nil
	case tea.KeyMsg:
		return m.key(msg)
	}
	return m, nil
}

// page is the page on screen, nil before the first.
func (m *Model) page() *page {
	if m.cur < 0 || m.cur >= len(m.pages) {
		return nil
	}
	return m.pages[m.cur]
}

// run executes a command: most push a page, some act in place.
func (m Model) run(c Command) (tea.Model, tea.Cmd) {
	m.status = ""
	switch c.Name {
	case "quit":
		return m, tea.Quit
	case "help":
		m.help = true
		return m, nil
	case "check":
		return m.startCheck(c)
	case "export":
		return m, m.export(c)
	}
	return m.push(c)
}

// push opens a new page after the current one, dropping the forward
// history, and bounding the stack.
func (m Model) push(c Command) (tea.Model, tea.Cmd) {
	m.nextID++
	p := newPage(m.nextID, c)
	if m.cur+1 < len(m.pages) {
		for _, q := range m.pages[m.cur+1:] {
			q.stop()
		}
	}
	m.pages = append(m.pages[:min(m.cur+1, len(m.pages))], p)
	if len(m.pages) > maxPages {
		m.pages[0].stop()
		m.pages = append([]*page(nil), m.pages[1:]...)
	}
	m.cur = len(m.pages) - 1
	return m, m.load(p)
}

// stop cancels a page's load and drops its data.
func (p *page) stop() {
	if p.cancel != nil {
		p.cancel()
	}
	p.data, p.lines, p.vis = nil, nil, nil
}

// load starts (or restarts) a page's load in a tea.Cmd.
func (m *Model) load(p *page) tea.Cmd {
	v, ok := views[p.cmd.Name]
	if !ok || v.load == nil {
		p.state = stReady
		p.version = -1
		return nil
	}
	if p.cancel != nil {
		p.cancel()
	}
	m.nextReq++
	ctx, cancel := context.WithCancel(context.Background())
	p.req, p.cancel, p.state, p.err, p.since = m.nextReq, cancel, stLoading, nil, time.Now()
	b, c, id, req, fn := m.b, p.cmd, p.id, m.nextReq, v.load
	if c.Name == "finding" {
		if i, err := strconv.Atoi(c.Arg); err == nil && i >= 0 && i < len(m.findings) {
			f := m.findings[i]
			fn = findingLoader(f, m.types[f.Object])
		}
	}
	return tea.Batch(func() tea.Msg {
		data, err := fn(ctx, b, c)
		if ctx.Err() != nil {
			return nil
		}
		return loadedMsg{page: id, req: req, data: data, err: err}
	}, tickLoading(id, req))
}

// loadingTickMsg redraws a page's "loading… 1.2s" line while it loads, so
// that a slow read is seen to be alive.
type loadingTickMsg struct{ page, req int }

// loadingEvery is how often the loading line is redrawn; 0 turns it off
// (the Update tests do, since they run commands synchronously).
var loadingEvery = 150 * time.Millisecond

func tickLoading(page, req int) tea.Cmd {
	if loadingEvery == 0 {
		return nil
	}
	return tea.Tick(loadingEvery, func(time.Time) tea.Msg { return loadingTickMsg{page, req} })
}

func (m Model) loaded(msg loadedMsg) (tea.Model, tea.Cmd) {
	for _, p := range m.pages {
		if p.id != msg.page || p.req != msg.req || p.state != stLoading {
			continue
		}
		p.cancel = nil
		if msg.err != nil {
			p.state, p.err = stFailed, msg.err
			return m, nil
		}
		p.state, p.data, p.version = stReady, msg.data, -1
		if rows, ok := msg.data.([]CacheRow); ok && m.caches == nil {
			m.caches = cacheNames(rows)
		}
		m.render(p)
		if v := views[p.cmd.Name]; v.atEnd {
			p.cursor = max(0, len(p.visible())-1)
			m.scrollTo(p)
		}
		if p.cmd.Name == "list" {
			return m, m.startWalk(p)
		}
		return m, nil
	}
	return m, nil // stale: the page was left or reloaded
}

// render (re)builds a page's lines when the session changed since.
func (m *Model) render(p *page) {
	v := views[p.cmd.Name]
	if p.state != stReady || p.version == m.version || (p.version >= 0 && !v.live) {
		return
	}
	if v.render != nil {
		p.lines, p.vis = v.render(p, m), nil
	}
	p.version = m.version
	if n := len(p.visible()); p.cursor >= n {
		p.cursor = max(0, n-1)
	}
	if !p.placed && !v.atEnd {
		p.placed = p.skipHeader()
	}
}

// skipHeader puts the cursor on the first row that opens something when
// only header lines come before it (tables: ps, kmem, findings), and says
// whether the page had such a row.
func (p *page) skipHeader() bool {
	vis := p.visible()
	for i := 0; i < len(vis) && i < 3; i++ {
		if p.lines[vis[i]].action != "" {
			if p.cursor == 0 {
				p.cursor = i
			}
			return true
		}
	}
	return false
}

// touch marks the session changed so that pages re-render (new findings
// or bookmarks change what is highlighted).
func (m *Model) touch() { m.version++ }

// addFinding records a finding and its address for highlighting.
func (m *Model) addFinding(f kernel.Finding) {
	if len(m.findings) >= maxFindings {
		return
	}
	if slices.ContainsFunc(m.findings, f.Same) {
		return
	}
	m.findings = append(m.findings, f)
	m.bad[f.Addr] = true
	m.touch()
}

func (m *Model) setErr(err error) { m.status = "error: " + kernel.Sanitize(err.Error(), false) }

func (m *Model) statusf(format string, a ...any) { m.status = fmt.Sprintf(format, a...) }

// Err is why the dump could not be opened, nil otherwise.
func (m Model) Err() error { return m.err }

// replay handles the keys typed while the dump was opening, in order.
func (m Model) replay(first tea.Cmd) (tea.Model, tea.Cmd) {
	cmds := []tea.Cmd{first}
	keys := m.pending
	m.pending = nil
	var tm tea.Model = m
	for _, k := range keys {
		var c tea.Cmd
		tm, c = tm.(Model).key(k)
		cmds = append(cmds, c)
	}
	return tm, tea.Batch(cmds...)
}

// maxCacheNames bounds the names kept for completion.
const maxCacheNames = 4096

func cacheNames(rows []CacheRow) []string {
	out := make([]string, 0, min(len(rows), maxCacheNames))
	for _, r := range rows[:min(len(rows), maxCacheNames)] {
		out = append(out, r.Name)
	}
	sort.Strings(out)
	return out
}
