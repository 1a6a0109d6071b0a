// Package slab enumerates SLUB caches, computes slabinfo and verifies every
// slab, freelist and partial list, returning findings rather than printing.
//
// It builds on kernel (and, through it, dwarf and vmcore). It must not
// import report, tui or cmd.
package slab
