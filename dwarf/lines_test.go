package dwarf

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestLineFor(t *testing.T) {
	b := openFixture(t)
	for _, tc := range []struct {
		sym, file string
	}{
		{"schedule", "kernel/sched/core.c"},
		{"kmem_cache_alloc", "mm/slub.c"},
		{"panic", "kernel/panic.c"},
	} {
		pc, ok := b.Symbol(tc.sym)
		if !ok {
			t.Fatalf("no %s", tc.sym)
		}
		file, line, ok := b.LineFor(pc + 4)
		if !ok || !strings.HasSuffix(file, tc.file) || line <= 0 {
			t.Errorf("%s+4: %s:%d %v, want %s", tc.sym, file, line, ok, tc.file)
		}
	}
	if _, _, ok := b.LineFor(0x1000); ok {
		t.Error("LineFor of a non-kernel address succeeded")
	}
}

func TestLineForModule(t *testing.T) {
	m := loadTiny(t)
	pc, _ := m.Symbol("tiny_get")
	file, line, ok := m.LineFor(pc + 8)
	if !ok || filepath.Base(file) != "tiny.c" || line != 31 {
		t.Errorf("tiny_get+8: %s:%d %v, want tiny.c:31", file, line, ok)
	}
}
