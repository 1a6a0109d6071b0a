// Package report renders findings and the state of a dump as a markdown
// report, written atomically.
//
// It sits on kernel and slab and must not import tui or cmd.
package report
