package vmcore

import (
	"errors"
	"fmt"
)

// Sentinel kinds. Every error this package returns for a failed read or a
// malformed file wraps exactly one of them, so callers can test the cause
// with errors.Is and get the details with errors.As on the typed errors
// below.
var (
	// ErrNotInDump: the address is in no segment / beyond the dump's PFN
	// range, or the dump's own "present memory" bitmap says it was no RAM.
	ErrNotInDump = errors.New("not in dump")
	// ErrExcluded: the page was RAM but makedumpfile's filter left it out.
	ErrExcluded = errors.New("excluded by dump filter")
	// ErrTruncated: the page belongs to the dump but its bytes lie past the
	// end of the file, or the dump is INCOMPLETE and the page was never
	// written.
	ErrTruncated = errors.New("past the truncation point")
	// ErrDecompress: the stored page does not decode to one page.
	ErrDecompress = errors.New("decompression failed")
	// ErrNotMapped: a virtual address has no valid translation.
	ErrNotMapped = errors.New("not mapped")
	// ErrFormat: a header, table or note is malformed.
	ErrFormat = errors.New("malformed dump")
)

// ReadError is a failed physical read. Kind is one of ErrNotInDump,
// ErrExcluded, ErrTruncated, ErrDecompress.
type ReadError struct {
	Kind      error
	File      string // dump file holding (or meant to hold) the page
	Addr      uint64 // physical address that failed
	Offset    int64  // file offset of the stored page, -1 when none
	DumpLevel int    // makedumpfile dump level, -1 when unknown (ErrExcluded)
	Detail    string // e.g. the codec and the decoder's message
	Err       error  // underlying error, if any
}

func (e *ReadError) Error() string {
	s := fmt.Sprintf("%s: physical 0x%x: %v", e.File, e.Addr, e.Kind)
	if e.Kind == ErrExcluded && e.DumpLevel >= 0 {
		s += fmt.Sprintf(" (dump level %d)", e.DumpLevel)
	}
	if e.Offset >= 0 {
		s += fmt.Sprintf(" at file offset 0x%x", e.Offset)
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Is matches the error's kind.
func (e *ReadError) Is(target error) bool { return target == e.Kind }

// Unwrap returns the underlying cause (e.g. the decoder's error).
func (e *ReadError) Unwrap() error { return e.Err }

// Page-table levels named by NotMappedError.Level.
const (
	LevelPTE = 1
	LevelPMD = 2
	LevelPUD = 3
	LevelP4D = 4
	LevelPGD = 5
)

var levelNames = [...]string{"", "PTE", "PMD", "PUD", "P4D", "PGD"}

// NotMappedError is a failed virtual-to-physical translation. It carries
// the page-table level whose entry was not present (or could not be read),
// the physical address of that entry and its value.
type NotMappedError struct {
	Vaddr     uint64
	Level     int    // LevelPGD..LevelPTE; 0 when no walk was possible
	EntryAddr uint64 // physical address of the entry
	Entry     uint64 // the entry's value (0 when unreadable)
	Reason    string
	Err       error // a ReadError when the table itself could not be read
}

func (e *NotMappedError) Error() string {
	s := fmt.Sprintf("virtual 0x%x: not mapped", e.Vaddr)
	if e.Level > 0 && e.Level < len(levelNames) {
		s += fmt.Sprintf(": %s entry 0x%x at physical 0x%x", levelNames[e.Level], e.Entry, e.EntryAddr)
	}
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Is matches ErrNotMapped.
func (e *NotMappedError) Is(target error) bool { return target == ErrNotMapped }

// Unwrap returns the read error that stopped the walk, if any.
func (e *NotMappedError) Unwrap() error { return e.Err }

// FormatError is a malformed dump: which file, at which offset, which field,
// what was wrong and the offending value.
type FormatError struct {
	File  string
	Off   int64
	Field string
	Msg   string
	Val   any
}

func (e *FormatError) Error() string {
	s := fmt.Sprintf("%s: offset 0x%x: %s: %s", e.File, e.Off, e.Field, e.Msg)
	if e.Val != nil {
		s += fmt.Sprintf(" (%v)", e.Val)
	}
	return s
}

// Is matches ErrFormat.
func (e *FormatError) Is(target error) bool { return target == ErrFormat }

func formatErr(file string, off int64, field, msg string, val any) error {
	return &FormatError{File: file, Off: off, Field: field, Msg: msg, Val: val}
}
