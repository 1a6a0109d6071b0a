package tui

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/kdx-dev/kdx/kernel"
)

// fakeBackend is an in-memory dump for Update tests: a few tasks, a log,
// one module, a memory map of words, a slab side with one planted bad
// word, and a list of four entries whose third has a bad next.
type fakeBackend struct {
	mem      map[uint64]uint64
	exported []Session
	exportTo []string
	block    chan struct{} // when set, Log waits on it (to test stale and cancel)
}

const (
	fakeObj  = 0xffff888000001000
	fakeBad  = fakeObj + 0x60
	fakeTask = 0xffff888000100000
)

func newFake() *fakeBackend {
	f := &fakeBackend{mem: map[uint64]uint64{}}
	for i := uint64(0); i < 64; i++ {
		f.mem[fakeObj+i*8] = 0
	}
	f.mem[fakeObj] = fakeObj
	f.mem[fakeBad] = 0x4141414141414141
	return f
}

var fakeTasks = func() *kernel.TaskList {
	tl := &kernel.TaskList{Tasks: []kernel.Task{
		{Addr: 0xffff888000200000, PID: 1, Comm: "init", State: "IN"},
		{Addr: fakeTask, PID: 98, PPID: 1, CPU: 1, Comm: "sh\x1b[2J", State: "RU", Panic: true},
	}}
	tl.Running = []*kernel.Task{nil, &tl.Tasks[1]}
	return tl
}()

func (f *fakeBackend) Sys() (*kernel.Sys, error) {
	return &kernel.Sys{Release: "6.1.0-fake", Panic: "Fatal exception", Taint: "OE", PanicTask: &fakeTasks.Tasks[1],
		DumpFiles: []string{"vmcore"}, DumpFormat: "kdump", CrashTime: time.Unix(1700000000, 0)}, nil
}

func (f *fakeBackend) Log() (*kernel.Log, error) {
	if f.block != nil {
		<-f.block
	}
	lg := &kernel.Log{}
	for i := 0; i < 40; i++ {
		lg.Records = append(lg.Records, kernel.LogRecord{Seq: uint64(i), TsNsec: uint64(i) * 1e6, Level: i % 8, Text: fmt.Sprintf("message %d", i)})
	}
	lg.Records = append(lg.Records, kernel.LogRecord{Seq: 40, Level: 0, Text: "evil \x1b]0;title\x07 text"},
		kernel.LogRecord{Seq: 41, Level: 1, Text: "BUG: kernel NULL pointer dereference, address: 0000000000000008"})
	return lg, nil
}

func (f *fakeBackend) Tasks() (*kernel.TaskList, error) { return fakeTasks, nil }

func (f *fakeBackend) Backtrace(t *kernel.Task) (*kernel.Backtrace, error) {
	return &kernel.Backtrace{Task: *t, Frames: []kernel.Frame{
		{Index: 0, SP: 0xffffc90000013930, PC: 0xffffffff8176475a, Symbol: "__crash_kexec+0x11a", Func: "__crash_kexec", Offset: 0x11a},
		{Index: 1, SP: 0xffffc90000013a50, PC: 0xffffffff81600c02, Symbol: "asm_exc_page_fault+0x22", ExceptionAddr: 0xffffc90000013a58},
		{Index: 2, SP: 0xffffc90000013b00, PC: 0xffffffffc031603c, Symbol: "kdx_null_deref+0xc", Module: "kdxplant", File: "main.c", Line: 42},
	}, Complete: true}, nil
}

func (f *fakeBackend) Modules() ([]kernel.Module, error) {
	return []kernel.Module{{Name: "kdxplant", Addr: 0xffffffffc03ec000, Base: 0xffffffffc03d6000, Size: 131072, Taints: "OE"}}, nil
}

func (f *fakeBackend) Struct(typ string, addr uint64) (string, error) {
	if addr != fakeObj {
		return "", fmt.Errorf("%s at %#x: not readable", typ, addr)
	}
	return fmt.Sprintf("%s {\n  [0x0] self = %#x,\n  [0x38] payload = \"kdx_obj 1\",\n  [0xc0] end = 0,\n}\n", typ, uint64(fakeObj)), nil
}

func (f *fakeBackend) ReadBytes(addr uint64, n int) ([]byte, error) {
	b := make([]byte, n)
	for i := 0; i < n; i += 8 {
		w, ok := f.mem[addr+uint64(i)]
		if !ok {
			return nil, fmt.Errorf("%#x: not in the dump", addr+uint64(i))
		}
		binary.LittleEndian.PutUint64(b[i:], w)
	}
	return b, nil
}

func (f *fakeBackend) Symbolize(addr uint64) (string, bool) { return "", false }

func (f *fakeBackend) Lookup(name string) (uint64, error) {
	if name == "kdx_obj_one" {
		return fakeObj, nil
	}
	return 0, fmt.Errorf("no symbol %q", name)
}

func (f *fakeBackend) Whatis(addr uint64) (Whatis, error) {
	if addr >= fakeObj && addr < fakeObj+192 {
		return Whatis{Addr: addr, Desc: []string{"slab: kdx_obj object"}, Type: "struct kdx_obj", Obj: fakeObj, Size: 192, Slab: 0xffffea0000001000}, nil
	}
	return Whatis{Addr: addr, Desc: []string{"unknown"}}, nil
}

func (f *fakeBackend) ListStepper(c Command) (ListStepper, error) {
	if c.Arg != "kdx_list" {
		return nil, errors.New("no such list")
	}
	return &fakeStepper{}, nil
}

func (f *fakeBackend) Slab() SlabBackend { return fakeSlab{} }

func (f *fakeBackend) Refs(ctx context.Context, addr, span uint64) ([]kernel.Ref, error) {
	if addr == fakeObj {
		return []kernel.Ref{{Addr: 0xffff888000002008, Value: fakeObj, What: "kdx_obj 0xffff888000002000 +0x8"}}, nil
	}
	return nil, nil
}

func (f *fakeBackend) Search(ctx context.Context, value uint64) ([]kernel.Ref, error) {
	var out []kernel.Ref
	for a, w := range f.mem {
		if w == value {
			out = append(out, kernel.Ref{Addr: a, Value: w, What: "fake memory"})
		}
	}
	return out, nil
}

func (f *fakeBackend) Export(path string, force bool, s Session) error {
	f.exported, f.exportTo = append(f.exported, s), append(f.exportTo, path)
	return nil
}

// fakeStepper is a list of 4 entries; the third's next is bad and the walk
// stops there with a finding.
type fakeStepper struct {
	i        int
	findings []kernel.Finding
	done     bool
}

func (s *fakeStepper) Next() (kernel.ListEntry, bool) {
	if s.done {
		return kernel.ListEntry{}, false
	}
	node := uint64(fakeObj + 0x200*uint64(s.i+1))
	e := kernel.ListEntry{Index: s.i, Node: node, Entry: node - 0x10, Next: node + 0x200, Prev: node - 0x200, Size: 16}
	if s.i == 2 {
		e.Next = 0x4141414141414141
		s.findings = append(s.findings, kernel.Finding{Kind: kernel.KindListBadNext, Severity: kernel.Corrupt, Addr: node})
		s.done = true
	}
	s.i++
	return e, true
}
func (s *fakeStepper) Findings() []kernel.Finding { return s.findings }

// Rest recovers two entries behind the break; the second has a bad prev.
func (s *fakeStepper) Rest(have int) ([]kernel.ListEntry, []kernel.Finding, error) {
	var out []kernel.ListEntry
	for i := 0; i < 2; i++ {
		node := uint64(fakeObj + 0x200*uint64(10+i))
		out = append(out, kernel.ListEntry{Index: have + i, Node: node, Entry: node - 0x10, Next: node + 0x200, Prev: node - 0x200, Size: 16})
	}
	out[1].Prev = 0x4242424242424242
	fs := append(s.findings, kernel.Finding{Kind: kernel.KindListBadPrev, Severity: kernel.Corrupt, Addr: out[1].Node + 8})
	return out, fs, nil
}
func (s *fakeStepper) Complete() bool { return false }
func (s *fakeStepper) Done() bool     { return s.done }

type fakeSlab struct{}

func (fakeSlab) Slabinfo() ([]CacheRow, error) {
	return []CacheRow{{Name: "small", MemBytes: 4096, Addr: 0xffff888000300000}, {Name: "kdx_obj", MemBytes: 782336, Addr: 0xffff888000400000, Active: 3700, Total: 4011, Slabs: 191, ObjSize: 192}}, nil
}
func (fakeSlab) Slabs(ctx context.Context, cache string) ([]SlabRow, error) {
	return []SlabRow{{Addr: 0xffffea0000001000, Base: fakeObj, InUse: 19, Objects: 21, Where: "node0 partial"}}, nil
}
func (fakeSlab) Objects(slab uint64) ([]ObjectRow, error) {
	return []ObjectRow{{Addr: fakeObj, Free: true, FreeIndex: 0}, {Addr: fakeObj + 192, FreeIndex: -1}}, nil
}
func (fakeSlab) Check(ctx context.Context, cache string, progress func(done, total int), found func(kernel.Finding)) error {
	progress(0, 2)
	found(kernel.Finding{Kind: kernel.KindBadFreelistPointer, Severity: kernel.Corrupt, Addr: fakeBad, Cache: "kdx_obj", Slab: 0xffffea0000001000})
	progress(2, 2)
	return nil
}

// drive runs cmd and feeds every message it produces back into the model,
// as the bubbletea loop would, except ticks (tests send those).
func drive(t *testing.T, m Model, cmd tea.Cmd) Model {
	t.Helper()
	queue := []tea.Cmd{cmd}
	for n := 0; len(queue) > 0; n++ {
		if n > 200 {
			t.Fatal("drive: too many commands")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg := c()
		switch msg := msg.(type) {
		case nil:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case checkTickMsg, loadingTickMsg:
			// ticks are driven by the test
		default:
			var tm tea.Model
			tm, c = m.Update(msg)
			m = tm.(Model)
			queue = append(queue, c)
		}
	}
	return m
}

// ready is a browser over the fake, sized 80x24, on the summary.
func ready(t *testing.T, b Backend) Model {
	t.Helper()
	m := New(func() (Backend, error) { return b, nil })
	tm, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	return drive(t, tm.(Model), m.Init())
}

// press sends keys (strings as bubbletea names them, or runes).
func press(t *testing.T, m Model, keys ...string) Model {
	t.Helper()
	for _, k := range keys {
		var msg tea.KeyMsg
		switch k {
		case "enter":
			msg = tea.KeyMsg{Type: tea.KeyEnter}
		case "esc":
			msg = tea.KeyMsg{Type: tea.KeyEsc}
		case "down":
			msg = tea.KeyMsg{Type: tea.KeyDown}
		case "tab":
			msg = tea.KeyMsg{Type: tea.KeyTab}
		case "backspace":
			msg = tea.KeyMsg{Type: tea.KeyBackspace}
		case "up":
			msg = tea.KeyMsg{Type: tea.KeyUp}
		default:
			msg = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
		}
		tm, cmd := m.Update(msg)
		m = drive(t, tm.(Model), cmd)
	}
	return m
}
