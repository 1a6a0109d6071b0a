package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestMain(m *testing.M) {
	loadingEvery = 0 // drive() runs commands synchronously: no redraw ticks
	code := m.Run()
	os.RemoveAll(filepath.Join(os.TempDir(), fmt.Sprintf("kdxe2e-%d", os.Getpid()))) // the e2e tests' kdx
	os.Exit(code)
}
