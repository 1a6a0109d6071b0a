package tui

import (
	"fmt"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/kdx-dev/kdx/kernel"
)

// bigLog is a fake whose log has n records.
type bigLog struct {
	*fakeBackend
	n int
}

func (b bigLog) Log() (*kernel.Log, error) {
	lg := &kernel.Log{}
	for i := 0; i < b.n; i++ {
		lg.Records = append(lg.Records, kernel.LogRecord{Seq: uint64(i), TsNsec: uint64(i) * 1e6, Level: i % 8,
			Text: fmt.Sprintf("kdxplant: object %#x at %d", 0xffff888000000000+uint64(i)*192, i)})
	}
	return lg, nil
}

// BenchmarkLogScroll is one keypress (down) and one frame on a 200,000
// record log: what the user waits for on every key.
func BenchmarkLogScroll(b *testing.B) {
	t := &testing.T{}
	m := press(t, ready(t, bigLog{newFake(), 200000}), "2", "g")
	down := tea.KeyMsg{Type: tea.KeyDown}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tm, _ := m.Update(down)
		m = tm.(Model)
		_ = m.View()
	}
}

// BenchmarkLogFilteredScroll is the same with a filter set.
func BenchmarkLogFilteredScroll(b *testing.B) {
	t := &testing.T{}
	m := press(t, ready(t, bigLog{newFake(), 200000}), "2", "g", "f", "object 0xffff8880000", "enter")
	down := tea.KeyMsg{Type: tea.KeyDown}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tm, _ := m.Update(down)
		m = tm.(Model)
		_ = m.View()
	}
}
