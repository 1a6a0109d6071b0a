// Package tui is the interactive terminal browser (bubbletea v1).
//
// It talks only to kernel, slab and report; it never reads dump bytes or
// DWARF directly, and it never blocks on a read: all dump access runs in
// tea.Cmds. It must not import cmd.
package tui
