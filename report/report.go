package report

import (
	"time"

	"github.com/kdx-dev/kdx/kernel"
)

// Input is everything a report shows. Gather fills it from a dump; the
// browser adds the session's findings and bookmarks.
type Input struct {
	Generated time.Time
	Sys       *kernel.Sys
	Backtrace *kernel.Backtrace // the panic task's, nil when none
	BtErr     string
	LogTail   []kernel.LogRecord
	Oops      string      // the log line saying what went wrong, sanitized
	Fault     string      // the frame an exception interrupted, sanitized
	Slabinfo  []CacheLine // sorted by memory, largest first
	SlabNote  string      // why slabinfo is missing, "" when present
	Findings  []FindingDetail
	RefsNote  string // why references are missing, "" when searched
	Bookmarks []Bookmark
}

// CacheLine is one slabinfo row.
type CacheLine struct {
	Name     string
	ObjSize  uint64
	Active   uint64
	Total    uint64
	Slabs    uint64
	MemBytes uint64
}

// FindingDetail is a finding with the evidence the report prints: the
// words around the bad one and the damaged object as its type.
type FindingDetail struct {
	kernel.Finding
	HexBase    uint64   // address of Words[0]
	Words      []uint64 // the damaged region, word by word
	WordOK     []bool   // false where the word could not be read
	StructType string   // "struct kdx_obj", "" when unknown
	Struct     string   // the object printed as StructType
	What       string   // whatis of the bad address
}

// Bookmark is an address the user marked in the browser, with a note.
type Bookmark struct {
	Addr uint64
	Note string
	What string
}

// Limits that keep a report readable (and bounded) on a badly damaged
// dump.
const (
	maxLogTail    = 40
	maxSlabRows   = 20
	maxFindings   = 200
	maxHexWords   = 64
	maxRefsShown  = 50
	maxStructLine = 400
)
