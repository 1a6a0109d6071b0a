package tui

import (
	"context"
	"regexp"
	"strings"
	"time"
)

// line is one line of a view. Text is plain and already sanitized; the
// View adds the gutter, the cursor, the selection and the highlights.
type line struct {
	text   string
	action string    // command Enter runs, "" for none
	words  []uint64  // addresses of the words this line shows (rd, struct)
	span   [2]uint64 // [lo, hi): the bytes a struct member line covers
	level  int       // log level, -1 when not a log line
	bad    bool      // the renderer already knows it shows damage
	spans  [][2]int  // address tokens in text; computed once
	spun   bool
}

// addrRe finds addresses in rendered text: 0x-prefixed hex of at least 5
// digits, or bare 16-digit kernel addresses (ffff…) as crash prints them;
// other bare hex (register values, data words) is not worth a stop.
var addrRe = regexp.MustCompile(`\b0x[0-9a-f]{5,16}\b|\bffff[0-9a-f]{12}\b`)

func (l *line) addrSpans() [][2]int {
	if !l.spun {
		for _, m := range addrRe.FindAllStringIndex(l.text, 32) {
			l.spans = append(l.spans, [2]int{m[0], m[1]})
		}
		l.spun = true
	}
	return l.spans
}

func (l *line) addrAt(i int) (uint64, bool) {
	sp := l.addrSpans()
	if i < 0 || i >= len(sp) {
		return 0, false
	}
	a, err := ParseAddr(l.text[sp[i][0]:sp[i][1]])
	return a, err == nil
}

// pageState is where a page's load is.
type pageState int

const (
	stLoading pageState = iota
	stReady
	stFailed
	stCancelled
)

// page is one entry of the back/forward stack: a command, its loaded data,
// and where the user is in it.
type page struct {
	id     int
	cmd    Command
	state  pageState
	err    error
	req    int // id of the load whose result this page accepts
	cancel context.CancelFunc
	data   any

	lines   []line
	version int // model version the lines were rendered at; -1 forces
	cursor  int
	top     int
	sel     int // index of the selected address on the cursor line
	search  string
	filter  string
	level   int       // log: highest level shown
	since   time.Time // when the current load started
	placed  bool      // the cursor was put past the header once
	walk    *walkState

	// the cache of visible(): valid for this filter, level and lines
	vis       []int
	visFilter string
	visLevel  int
	visLines  int
}

func newPage(id int, c Command) *page {
	return &page{id: id, cmd: c, version: -1, level: 7}
}

// visible are the indices of the lines the filters let through. They are
// computed once per change of lines, filter or level: every key and frame
// asks, and a log can have hundreds of thousands of lines.
func (p *page) visible() []int {
	if p.vis != nil && p.visFilter == p.filter && p.visLevel == p.level && p.visLines == len(p.lines) {
		return p.vis
	}
	idx := make([]int, 0, len(p.lines))
	f := strings.ToLower(p.filter)
	for i := range p.lines {
		l := &p.lines[i]
		if l.level > p.level {
			continue
		}
		if f != "" && !strings.Contains(strings.ToLower(l.text), f) {
			continue
		}
		idx = append(idx, i)
	}
	p.vis, p.visFilter, p.visLevel, p.visLines = idx, p.filter, p.level, len(p.lines)
	return idx
}
