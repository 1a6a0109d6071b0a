package kernel

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// LogRecord is one printk record.
type LogRecord struct {
	Seq      uint64 `json:"seq"`
	TsNsec   uint64 `json:"ts_nsec"`
	Level    int    `json:"level"`
	Facility int    `json:"facility"`
	Caller   string `json:"caller"` // "T<pid>" or "C<cpu>"
	Text     string `json:"text"`   // raw bytes from the dump; Sanitize before printing
}

// Log is the kernel log found in the dump, oldest first.
type Log struct {
	Records  []LogRecord
	Problems []string // records skipped and why
}

// The descriptor state lives in the top two bits of state_var
// (kernel/printk/printk_ringbuffer.h: DESC_FLAGS_SHIFT); the rest is the
// descriptor id. These are #defines, not in DWARF.
const (
	descStateShift  = 62
	descIDMask      = 1<<descStateShift - 1
	descCommitted   = 1
	descFinalized   = 2
	maxRingBits     = 26 // bounds allocations against a garbage count_bits/size_bits
	callerIsCPUFlag = 0x80000000
)

// Log reads the lockless printk ring buffer (5.10+: prb). It is decoded
// once and cached.
func (k *Kernel) Log() (*Log, error) {
	v, err := k.cached("log", func() (any, error) { return k.readLog() })
	if err != nil {
		return nil, err
	}
	return v.(*Log), nil
}

func (k *Kernel) readLog() (*Log, error) {
	prbPtr, err := k.Global("prb")
	if err != nil {
		if _, e := k.Global("log_buf"); e == nil {
			return nil, fmt.Errorf("log: this kernel keeps its log in the pre-5.10 log_buf layout, which kdx does not read yet")
		}
		return nil, fmt.Errorf("log: %w", err)
	}
	rb, err := prbPtr.Pointer()
	if err != nil {
		return nil, fmt.Errorf("log: %w", err)
	}
	L, err := k.ringLayoutFromDWARF()
	if err != nil {
		return nil, fmt.Errorf("log: %w", err)
	}
	r, err := readRing(L, rb, k.ReadBytes)
	if err != nil {
		return nil, fmt.Errorf("log: %w", err)
	}
	return r.records(), nil
}

// ring is the printk ring buffer read into memory; records are decoded
// from those bytes by the layout's offsets.
type ring struct {
	L            *ringLayout
	count        uint64 // descriptors
	descs, infos bytesReader
	data         []byte
	tail, head   uint64
}

// bytesReader serves reads from a copy of memory that starts at base 0.
type bytesReader []byte

func (b bytesReader) ReadAt(p []byte, addr uint64) (int, error) {
	if addr > uint64(len(b)) || uint64(len(p)) > uint64(len(b))-addr {
		return 0, fmt.Errorf("read %d bytes at %#x: outside the %d-byte copy", len(p), addr, len(b))
	}
	return copy(p, b[addr:]), nil
}

// records walks descriptor ids from tail to head, bounded by the ring
// size, keeping those whose id matches and whose state is committed or
// finalized (a record being written at the crash is skipped and said so).
func (r *ring) records() *Log {
	lg := &Log{}
	id := r.tail & descIDMask
	head := r.head & descIDMask
	for n := uint64(0); n < r.count; n++ {
		if rec, why := r.record(id); why == "" {
			lg.Records = append(lg.Records, rec)
		} else if len(lg.Problems) < 100 {
			lg.Problems = append(lg.Problems, fmt.Sprintf("descriptor id %d: %s", id, why))
		}
		if id == head {
			break
		}
		id = (id + 1) & descIDMask
	}
	return lg
}

func (r *ring) record(id uint64) (LogRecord, string) {
	L := r.L
	idx := id & (r.count - 1)
	d := r.descs[idx*L.descSize : (idx+1)*L.descSize]
	in := r.infos[idx*L.infoSize : (idx+1)*L.infoSize]
	field := func(b []byte, off, size uint64) (uint64, bool) {
		if off+size > uint64(len(b)) {
			return 0, false
		}
		var w [8]byte
		copy(w[:], b[off:off+size])
		return binary.LittleEndian.Uint64(w[:]), true
	}
	sv, ok1 := field(d, L.stateVar+L.counter, 8)
	begin, ok2 := field(d, L.textLpos+L.lposBegin, 8)
	next, ok3 := field(d, L.textLpos+L.lposNext, 8)
	if !ok1 || !ok2 || !ok3 {
		return LogRecord{}, "descriptor layout out of range"
	}
	if sv&descIDMask != id {
		return LogRecord{}, "overwritten or never written"
	}
	if st := sv >> descStateShift; st != descCommitted && st != descFinalized {
		return LogRecord{}, fmt.Sprintf("state %d (being written at the crash)", st)
	}
	var rec LogRecord
	seq, ok1 := field(in, L.seq, 8)
	ts, ok2 := field(in, L.tsNsec, 8)
	textLen, ok3 := field(in, L.textLen, 2)
	caller, ok4 := field(in, L.caller, 4)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return LogRecord{}, "printk_info layout out of range"
	}
	rec.Seq, rec.TsNsec, rec.Caller = seq, ts, callerName(uint32(caller))
	rec.Level, rec.Facility = -1, -1
	if L.levels != nil {
		rec.Level, rec.Facility = L.levels(in)
	}
	text, why := r.text(begin, next, textLen)
	rec.Text = text
	if why != "" {
		rec.Text = "<" + why + ">"
	}
	return rec, ""
}

// text finds a record's bytes in the data ring: the block at begin is a
// struct prb_data_block, its id and then the text (at blockHdr); a block that would cross the end of the ring
// is stored from offset 0 instead (the kernel's get_data rule).
func (r *ring) text(begin, next, textLen uint64) (string, string) {
	if begin&1 != 0 { // data-less record (FAILED_LPOS / NO_LPOS)
		return "", ""
	}
	size := uint64(len(r.data))
	var off, n uint64
	switch {
	case begin/size == next/size:
		off, n = begin%size, next-begin
	case (begin+size)/size == next/size:
		off, n = 0, next%size
	default:
		return "", fmt.Sprintf("bad text block %#x..%#x", begin, next)
	}
	hdr := r.L.blockHdr
	if n < hdr || off+n > size {
		return "", fmt.Sprintf("bad text block %#x..%#x", begin, next)
	}
	n -= hdr
	if textLen < n {
		n = textLen
	}
	return string(r.data[off+hdr : off+hdr+n]), ""
}

func callerName(id uint32) string {
	if id&callerIsCPUFlag != 0 {
		return fmt.Sprintf("C%d", id&^callerIsCPUFlag)
	}
	return fmt.Sprintf("T%d", id)
}

// PanicMessage is the text after "Kernel panic - not syncing: " in the
// last such log record, or "" when the log has none.
func (l *Log) PanicMessage() string {
	const marker = "Kernel panic - not syncing: "
	for i := len(l.Records) - 1; i >= 0; i-- {
		if j := strings.Index(l.Records[i].Text, marker); j >= 0 {
			return strings.TrimSpace(l.Records[i].Text[j+len(marker):])
		}
	}
	return ""
}

// oopsPrefixes start the log lines that describe why a kernel died, in the
// wording of the kernel's own reporting functions.
var oopsPrefixes = []string{"BUG: ", "Oops: ", "kernel BUG at ", "general protection fault", "Unable to handle kernel", "watchdog: BUG: "}

// Oops returns the first log lines that report a fatal error (the BUG
// line and the Oops line, say), at most max of them: what crash's sys
// shows as PANIC, and what a person reads first.
func (l *Log) Oops(max int) []string {
	var out []string
	for _, r := range l.Records {
		for _, p := range oopsPrefixes {
			if strings.HasPrefix(r.Text, p) {
				out = append(out, strings.TrimSpace(r.Text))
				break
			}
		}
		if len(out) >= max {
			break
		}
	}
	return out
}

// FormatRecord renders a record like dmesg: "[    1.234567] text", with
// control characters made visible and continuation lines indented.
func FormatRecord(r LogRecord) string {
	prefix := fmt.Sprintf("[%5d.%06d] ", r.TsNsec/1e9, r.TsNsec%1e9/1e3)
	text := Sanitize(strings.TrimRight(r.Text, "\n"), true)
	return prefix + strings.ReplaceAll(text, "\n", "\n"+strings.Repeat(" ", len(prefix)))
}
