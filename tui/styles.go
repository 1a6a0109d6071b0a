package tui

import "github.com/charmbracelet/lipgloss"

// Styles use the 16 ANSI colours only, so that they look the same on a
// 16-colour terminal; with NO_COLOR (lipgloss's Ascii profile) they vanish
// and the gutter symbols carry the meaning alone.
var (
	stHeader = lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("6"))
	stCrumb  = lipgloss.NewStyle().Foreground(lipgloss.Color("8"))
	stCursor = lipgloss.NewStyle().Bold(true)
	stSel    = lipgloss.NewStyle().Reverse(true)
	stBad    = lipgloss.NewStyle().Foreground(lipgloss.Color("9")).Bold(true)
	stMatch  = lipgloss.NewStyle().Foreground(lipgloss.Color("3"))
	stFooter = lipgloss.NewStyle().Foreground(lipgloss.Color("8"))
	stErr    = lipgloss.NewStyle().Foreground(lipgloss.Color("1"))
	stTitle  = lipgloss.NewStyle().Bold(true)
)

// Gutter marks, visible without colour: the cursor line, and a line that
// shows a corrupted word.
const (
	markCursor = ">"
	markBad    = "!"
)
