package tui

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

func view(m Model) string { return m.View() }

func mustContain(t *testing.T, m Model, want ...string) {
	t.Helper()
	v := view(m)
	for _, w := range want {
		if !strings.Contains(v, w) {
			t.Fatalf("view lacks %q:\n%s", w, v)
		}
	}
}

func TestSummaryFirstScreen(t *testing.T) {
	m := ready(t, newFake())
	mustContain(t, m, "6.1.0-fake", "Fatal exception", "TAINT: OE", "pid 98", "__crash_kexec+0x11a", "[summary]",
		"OOPS: BUG: kernel NULL pointer dereference", "FAULT AT: kdx_null_deref+0xc [kdxplant] main.c:42")
	if !strings.Contains(pageText(m), "message 39") {
		t.Fatalf("summary lacks the log tail:\n%s", pageText(m))
	}
	if v := view(m); strings.Contains(v, "\x1b[2J") || strings.Contains(v, "\x1b]0;") {
		t.Fatalf("raw control sequence from the dump reached the screen:\n%q", v)
	}
	mustContain(t, m, `sh\x1b[2J`)
}

func TestPsFilterEnterTaskAndBack(t *testing.T) {
	m := ready(t, newFake())
	m = press(t, m, "3")
	mustContain(t, m, "[ps]", "init")
	m = press(t, m, "f", "98", "enter")
	if v := view(m); strings.Contains(v, "init") {
		t.Fatalf("filter 98 still shows init:\n%s", v)
	}
	m = press(t, m, "enter")
	mustContain(t, m, "[task 0xffff888000100000]", "PID 98", "struct task_struct")
	m = press(t, m, "<")
	mustContain(t, m, "[ps]")
	m = press(t, m, ">")
	mustContain(t, m, "[task 0xffff888000100000]")
}

func TestStaleResultDropped(t *testing.T) {
	m := ready(t, newFake())
	p := m.page()
	before := p.data
	tm, _ := m.Update(loadedMsg{page: p.id, req: p.req - 1, data: "stale"})
	if pageOf(tm).data != before {
		t.Fatal("a result for an older request replaced the page's data")
	}
	tm, _ = m.Update(loadedMsg{page: 9999, req: p.req, data: "stale"})
	if pageOf(tm).data != before {
		t.Fatal("a result for another page replaced the page's data")
	}
}

func TestEscCancelsLoading(t *testing.T) {
	f := newFake()
	m := ready(t, f)
	f.block = make(chan struct{})
	tm, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("2")})
	m = tm.(Model)
	mustContain(t, m, "loading log")
	m = press(t, m, "esc")
	mustContain(t, m, "cancelled: log")
	close(f.block)
	if msg := cmd(); msg != nil {
		if b, ok := msg.(tea.BatchMsg); ok {
			msg = b[0]()
		}
		m2, _ := m.Update(msg)
		if pageOf(m2).state != stCancelled {
			t.Fatal("a cancelled load's result was applied")
		}
	}
	f.block = nil
	m = press(t, m, "enter")
	mustContain(t, m, "[log]", "message 39")
}

// checked runs :check on the fake and waits for it.
func checked(t *testing.T) Model {
	m := press(t, ready(t, newFake()), ":check", "enter")
	for i := 0; !m.check.finished(); i++ {
		if i > 200 {
			t.Fatal("check did not finish")
		}
		time.Sleep(5 * time.Millisecond)
	}
	tm, _ := m.Update(checkTickMsg{m.check})
	return tm.(Model)
}

func TestCheckFindingsAndFindingPage(t *testing.T) {
	m := checked(t)
	mustContain(t, m, "[findings]", "1 findings", "bad-freelist-pointer", fmt.Sprintf("%016x", uint64(fakeBad)))
	if !strings.Contains(view(m), markCursor+markBad+"corrupt") {
		t.Fatalf("finding line not marked %q:\n%s", markBad, view(m))
	}
	m = press(t, m, "down", "enter")
	mustContain(t, m, "[finding 0]", "4141414141414141"+markBad)
	all := pageText(m)
	for _, w := range []string{"struct kdx_obj {", "references (1)", "kdx_obj 0xffff888000002000 +0x8"} {
		if !strings.Contains(all, w) {
			t.Fatalf("finding page lacks %q:\n%s", w, all)
		}
	}
}

func TestBadWordMarkedInRdAndStruct(t *testing.T) {
	m := checked(t)
	m = press(t, m, fmt.Sprintf(":rd %#x 16", uint64(fakeObj)), "enter")
	mustContain(t, m, "4141414141414141"+markBad)
	m = press(t, m, fmt.Sprintf(":struct kdx_obj %#x", uint64(fakeObj)), "enter")
	for _, l := range strings.Split(view(m), "\n") {
		if strings.Contains(l, "payload") && !strings.HasPrefix(ansi.Strip(l)[1:], markBad) {
			t.Fatalf("member holding the bad word not marked: %q", l)
		}
	}
}

func TestListWalkByHand(t *testing.T) {
	m := press(t, ready(t, newFake()), ":list kdx_list -s kdx_obj -l link", "enter")
	mustContain(t, m, "entry #0", "first entry")
	m = press(t, m, "]")
	mustContain(t, m, "entry #1", "ok   prev == previous entry's node")
	m = press(t, m, "[")
	mustContain(t, m, "entry #0")
	m = press(t, m, "}")
	mustContain(t, m, "entry #2", "list-bad-next", "NOT complete")
	if len(m.findings) != 1 || !m.bad[m.findings[0].Addr] {
		t.Fatalf("walk finding not recorded: %+v", m.findings)
	}
	m = press(t, m, "]")
	if m.status != "end of the list" {
		t.Fatalf("status after the end = %q", m.status)
	}
	m = press(t, m, "}")
	mustContain(t, m, "recovered walking prev pointers back", "entry 2 before the head", "recovered 2 entries")
	m = press(t, m, "}")
	mustContain(t, m, "entry 1 before the head", "list-bad-prev", "BAD  prev == previous entry's node", "1 finding(s) elsewhere")
	m = press(t, m, "}")
	if m.status != "no more problems on this list" {
		t.Fatalf("status %q", m.status)
	}
	if len(m.findings) != 2 {
		t.Fatalf("findings %v", m.findings)
	}
}

func TestBookmarkAndExport(t *testing.T) {
	f := newFake()
	m := press(t, ready(t, f), fmt.Sprintf(":rd %#x 4", uint64(fakeObj)), "enter")
	m = press(t, m, "m", "the object", "enter", "8")
	mustContain(t, m, "1 bookmarks", "the object")
	m = press(t, m, ":export /tmp/x.md --force", "enter")
	if len(f.exported) != 1 || f.exportTo[0] != "/tmp/x.md" || len(f.exported[0].Bookmarks) != 1 || f.exported[0].Bookmarks[0].Note != "the object" {
		t.Fatalf("export got %+v to %v", f.exported, f.exportTo)
	}
	if m.status != "wrote /tmp/x.md" {
		t.Fatalf("status %q", m.status)
	}
}

func TestHelpComesFromTheKeyTable(t *testing.T) {
	m := press(t, ready(t, newFake()), ":list kdx_list", "enter", "?")
	for _, g := range helpGroups("list") {
		for _, b := range g {
			mustContain(t, m, b.Help().Key)
		}
	}
	mustContain(t, m, "list: on to next problem")
	m = press(t, m, "x")
	if m.help {
		t.Fatal("a key did not close help")
	}
}

func TestCommandCompletionAndHistory(t *testing.T) {
	m := press(t, ready(t, newFake()), ":", "lo", "tab")
	if v := m.input.Value(); v != "log " {
		t.Fatalf("completion gave %q", v)
	}
	m = press(t, m, "enter", ":", "up")
	if v := m.input.Value(); v != "log" {
		t.Fatalf("history gave %q", v)
	}
	m = press(t, m, "esc", ":", "frob", "enter")
	if !strings.Contains(m.status, "unknown command") {
		t.Fatalf("status %q", m.status)
	}
}

func TestLogLevelFilter(t *testing.T) {
	m := press(t, ready(t, newFake()), "2")
	n := len(m.page().visible())
	m = press(t, m, "L")
	if got := len(m.page().visible()); got >= n || m.page().level != 6 {
		t.Fatalf("level filter: %d lines of %d at level %d", got, n, m.page().level)
	}
	mustContain(t, m, `evil \x1b]0;title\x07 text`)
}

func TestResize(t *testing.T) {
	m := ready(t, newFake())
	for _, sz := range [][2]int{{40, 10}, {80, 24}, {132, 50}} {
		tm, _ := m.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		m = tm.(Model)
		lines := strings.Split(view(m), "\n")
		if len(lines) > sz[1] {
			t.Errorf("%dx%d: %d lines", sz[0], sz[1], len(lines))
		}
		for _, l := range lines {
			if w := ansi.StringWidth(l); w > sz[0] {
				t.Errorf("%dx%d: line %d wide: %q", sz[0], sz[1], w, l)
			}
		}
	}
}

func TestOpenError(t *testing.T) {
	m := New(func() (Backend, error) { return nil, errors.New("vmcore: bad magic at offset 0") })
	tm, _ := m.Update(m.Init()())
	m = tm.(Model)
	mustContain(t, m, "bad magic at offset 0", "press q")
	if m.Err() == nil {
		t.Fatal("Err() is nil after a failed open")
	}
	if _, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")}); cmd == nil {
		t.Fatal("q does not quit on the error screen")
	}
}

func TestPageStackBounded(t *testing.T) {
	m := ready(t, newFake())
	for i := 0; i < maxPages+10; i++ {
		m = press(t, m, "5")
	}
	if len(m.pages) > maxPages {
		t.Fatalf("%d pages kept", len(m.pages))
	}
}

func pageOf(tm tea.Model) *page { m := tm.(Model); return m.page() }

// pageText is every line of the shown page, on screen or not.
func pageText(m Model) string {
	var b strings.Builder
	for _, l := range m.page().lines {
		b.WriteString(l.text + "\n")
	}
	return b.String()
}

func TestSearchAndRefs(t *testing.T) {
	m := press(t, ready(t, newFake()), ":search 4141414141414141", "enter")
	mustContain(t, m, "1 words hold 0x4141414141414141", fmt.Sprintf("%016x", uint64(fakeBad)))
	m = press(t, m, fmt.Sprintf(":refs %#x", uint64(fakeObj)), "enter")
	mustContain(t, m, "1 words point at", "kdx_obj 0xffff888000002000 +0x8")
	m = press(t, m, "down", "enter")
	mustContain(t, m, "[whatis 0xffff888000002008]")
}

func TestCheckOneCacheFromSlabinfo(t *testing.T) {
	m := press(t, ready(t, newFake()), "6")
	mustContain(t, m, "[kmem -s]", "kdx_obj", "764.0K")
	if l := m.curLine(m.page()); l == nil || !strings.Contains(l.text, "kdx_obj") {
		t.Fatalf("slabinfo not sorted by memory: first row %q", l.text)
	}
	m = press(t, m, "c")
	if m.check == nil || m.check.scope != "kdx_obj" {
		t.Fatalf("c on kdx_obj checked %+v", m.check)
	}
	m = press(t, m, "<", "enter")
	mustContain(t, m, "[kmem -S kdx_obj]", "node0 partial")
	m = press(t, m, "enter")
	mustContain(t, m, "[slab 0xffffea0000001000]", "free", "allocated")
}

func TestSearchInPage(t *testing.T) {
	m := press(t, ready(t, newFake()), "2", "g", "/", "message 3", "enter")
	if l := m.curLine(m.page()); !strings.Contains(l.text, "message 3") {
		t.Fatalf("search landed on %q", l.text)
	}
	first := m.page().cursor
	m = press(t, m, "n")
	if l := m.curLine(m.page()); m.page().cursor <= first || !strings.Contains(l.text, "message 3") {
		t.Fatalf("n landed on %q at %d (first %d)", l.text, m.page().cursor, first)
	}
	m = press(t, m, "N")
	if m.page().cursor != first {
		t.Fatalf("N went to %d, want %d", m.page().cursor, first)
	}
	m = press(t, m, "/", "no such text", "enter")
	if !strings.Contains(m.status, "not found") {
		t.Fatalf("status %q", m.status)
	}
}

func TestAddressSelectionAndWhatis(t *testing.T) {
	m := press(t, ready(t, newFake()), fmt.Sprintf(":rd %#x 4", uint64(fakeObj)), "enter")
	a, ok := m.selected(m.page())
	if !ok || a != fakeObj {
		t.Fatalf("first selected address %#x %v", a, ok)
	}
	m = press(t, m, "tab")
	if a, _ := m.selected(m.page()); a != fakeObj {
		t.Fatalf("second address on the rd line is %#x, want the word %#x", a, uint64(fakeObj))
	}
	m = press(t, m, "w")
	mustContain(t, m, fmt.Sprintf("[whatis %#x]", uint64(fakeObj)), "slab: kdx_obj object")
	if !strings.Contains(pageText(m), "struct kdx_obj {") {
		t.Fatal("whatis did not open the object as its type")
	}
}

func TestLoadingTickOnlyWhileLoading(t *testing.T) {
	loadingEvery = time.Millisecond
	defer func() { loadingEvery = 0 }()
	f := newFake()
	m := ready(t, f)
	f.block = make(chan struct{})
	defer close(f.block)
	tm, _ := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("2")})
	m = tm.(Model)
	p := m.page()
	if _, cmd := m.Update(loadingTickMsg{p.id, p.req}); cmd == nil {
		t.Fatal("no redraw tick while the page loads")
	}
	if _, cmd := m.Update(loadingTickMsg{p.id, p.req - 1}); cmd != nil {
		t.Fatal("a stale tick keeps ticking")
	}
	mustContain(t, m, "loading log…", "esc cancels")
}

func TestWrapCursorLine(t *testing.T) {
	m := ready(t, newFake())
	tm, _ := m.Update(tea.WindowSizeMsg{Width: 40, Height: 12})
	m = press(t, tm.(Model), "2", "G")
	if strings.Contains(view(m), "0000000000000008") {
		t.Fatal("long line not truncated at 40 columns")
	}
	m = press(t, m, "z")
	if !strings.Contains(view(m), "r dereference, address") {
		t.Fatalf("z did not show the whole cursor line:\n%s", view(m))
	}
	if n := len(strings.Split(view(m), "\n")); n > 12 {
		t.Fatalf("wrapped view has %d lines in a 12-line terminal", n)
	}
}

func TestSymbolArguments(t *testing.T) {
	m := press(t, ready(t, newFake()), ":rd kdx_obj_one 2", "enter")
	mustContain(t, m, "[rd kdx_obj_one 2]", fmt.Sprintf("%016x:", uint64(fakeObj)))
	m = press(t, m, ":struct kdx_obj kdx_obj_one", "enter")
	mustContain(t, m, "struct kdx_obj {")
	m = press(t, m, ":whatis nosuch", "enter")
	mustContain(t, m, `no symbol "nosuch"`)
}

func TestKeysTypedWhileOpeningAreReplayed(t *testing.T) {
	m := New(func() (Backend, error) { return newFake(), nil })
	for _, r := range ":ps" {
		tm, _ := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
		m = tm.(Model)
	}
	tm, _ := m.Update(tea.KeyMsg{Type: tea.KeyEnter})
	m = drive(t, tm.(Model), m.Init())
	mustContain(t, m, "summary › [ps]", "init")
}

func TestAddressKeysWithoutAddress(t *testing.T) {
	m := press(t, ready(t, newFake()), "w")
	if !strings.Contains(m.status, "no address on this line") || m.page().cmd.Name != "summary" {
		t.Fatalf("w on a line without an address: status %q, page %s", m.status, m.page().cmd)
	}
}

func TestBtAll(t *testing.T) {
	m := press(t, ready(t, newFake()), ":bt -a", "enter")
	mustContain(t, m, "[bt -a]", "CPU 0: no task known", "PID: 98")
}

func TestWhatisTypelessObjectShowsItsWords(t *testing.T) {
	f := newFake()
	m := ready(t, typeless{f})
	m = press(t, m, fmt.Sprintf(":whatis %#x", uint64(fakeObj+8)), "enter")
	all := pageText(m)
	for _, w := range []string{"no type known for its cache", fmt.Sprintf("%016x:  %016x", uint64(fakeObj), uint64(fakeObj))} {
		if !strings.Contains(all, w) {
			t.Fatalf("whatis lacks %q:\n%s", w, all)
		}
	}
}

// typeless is the fake with kmalloc-like objects: whatis knows the object
// but no type.
type typeless struct{ *fakeBackend }

func (b typeless) Whatis(addr uint64) (Whatis, error) {
	w, err := b.fakeBackend.Whatis(addr)
	w.Type = ""
	return w, err
}

func TestCompleteCacheNamesAfterSlabinfo(t *testing.T) {
	m := press(t, ready(t, newFake()), "6", ":", "kmem -S kd", "tab")
	if v := m.input.Value(); v != "kmem -S kdx_obj " {
		t.Fatalf("completion gave %q", v)
	}
}
