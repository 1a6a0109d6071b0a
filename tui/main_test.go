package tui

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	loadingEvery = 0 // drive() runs commands synchronously: no redraw ticks
	os.Exit(m.Run())
}
