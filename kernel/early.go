package kernel

import (
	"encoding/binary"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kdx-dev/kdx/vmcore"
)

// Early is what a dump tells about the crash before its vmlinux is read:
// VMCOREINFO, and the printk log found through the layout VMCOREINFO
// carries for makedumpfile. The browser shows it while the DWARF index of
// a vmlinux seen for the first time is built. Log levels are bitfields
// VMCOREINFO does not describe, so Early's records have Level -1.
type Early struct {
	DumpFiles  []string  `json:"dump_files"`
	DumpFormat string    `json:"dump_format"`
	Release    string    `json:"release"`
	BuildID    string    `json:"build_id"`
	CrashTime  time.Time `json:"crash_time"` // zero when the dump does not say
	Log        *Log      `json:"-"`          // nil when it could not be read
	LogErr     error     `json:"-"`          // why not
	Panic      string    `json:"panic"`
	Oops       []string  `json:"oops"`
	// PanicTask is the task the last oops or panic report names ("CPU: 1
	// PID: 151 Comm: insmod"); nil when the log has no such line.
	PanicTask *EarlyTask `json:"panic_task"`
	// Taint is the letters of that line's "Tainted:": the taint when the
	// report began, so without the D the oops itself adds.
	Taint string `json:"taint"`
}

// EarlyTask is the task named in the log's oops header.
type EarlyTask struct {
	CPU  int    `json:"cpu"`
	PID  int    `json:"pid"`
	Comm string `json:"comm"`
}

// ReadEarly reads what it can without the vmlinux; it never fails as a
// whole (a dump without VMCOREINFO gives just its files and format).
func ReadEarly(d *vmcore.Dump) *Early {
	e := &Early{DumpFiles: d.Paths(), DumpFormat: dumpFormat(d)}
	vi := d.VMCoreInfo()
	if vi == nil {
		e.LogErr = errors.New("the dump has no VMCOREINFO")
		return e
	}
	e.Release, e.BuildID = vi.OSRelease(), vi.BuildID()
	if t, ok := vi.CrashTime(); ok {
		e.CrashTime = t
	}
	e.Log, e.LogErr = earlyLog(d, vi)
	if e.Log != nil {
		e.Panic, e.Oops = e.Log.PanicMessage(), e.Log.Oops(3)
		e.PanicTask, e.Taint = e.Log.oopsTask()
	}
	return e
}

// earlyLog reads the printk ring through VMCOREINFO alone: SYMBOL(prb),
// the layout's OFFSET/SIZE entries, and page tables found from VMCOREINFO.
func earlyLog(d *vmcore.Dump, vi *vmcore.VMCoreInfo) (*Log, error) {
	prb, ok := vi.Symbol("prb")
	if !ok {
		return nil, errors.New("VMCOREINFO has no SYMBOL(prb) (a kernel before 5.10, or a stripped VMCOREINFO)")
	}
	L, err := ringLayoutFromInfo(vi)
	if err != nil {
		return nil, err
	}
	off, hasOff := vi.KernelOffset()
	m, err := vmcore.NewKernelMemory(d, vmcore.KernelConfig{KASLROffset: off, HasKASLROffset: hasOff})
	if err != nil {
		return nil, err
	}
	read := func(addr uint64, n int) ([]byte, error) {
		if n < 0 || n > 1<<30 {
			return nil, fmt.Errorf("read %d bytes at %#x: size out of range", n, addr)
		}
		b := make([]byte, n)
		if _, err := m.ReadAt(b, addr); err != nil {
			return nil, err
		}
		return b, nil
	}
	p, err := read(prb, 8) // prb is a pointer to the ring in use
	if err != nil {
		return nil, fmt.Errorf("prb at %#x: %w", prb, err)
	}
	r, err := readRing(L, binary.LittleEndian.Uint64(p), read)
	if err != nil {
		return nil, err
	}
	return r.records(), nil
}

// oopsHeader is the line dump_stack prints first (lib/dump_stack.c):
// "CPU: 1 PID: 151 Comm: insmod Kdump: loaded Tainted: G    OE  6.1.0 #1",
// one taint letter or space per flag.
var oopsHeader = regexp.MustCompile(`^CPU: (\d+) PID: (\d+) Comm: (.{1,20}?) (?:Kdump: loaded )?(?:Tainted: ([A-Z ]+) |Not tainted )`)

// oopsTask finds the last oops header in the log and the taint letters on
// it ('G', which means "not proprietary", and the spaces left out).
func (l *Log) oopsTask() (*EarlyTask, string) {
	for i := len(l.Records) - 1; i >= 0; i-- {
		m := oopsHeader.FindStringSubmatch(l.Records[i].Text)
		if m == nil {
			continue
		}
		cpu, _ := strconv.Atoi(m[1])
		pid, _ := strconv.Atoi(m[2])
		taint := strings.Map(func(r rune) rune {
			if r == ' ' || r == 'G' {
				return -1
			}
			return r
		}, m[4])
		return &EarlyTask{CPU: cpu, PID: pid, Comm: m[3]}, taint
	}
	return nil, ""
}

func dumpFormat(d *vmcore.Dump) string {
	f := d.Format()
	if c := d.Compression(); c != "" {
		f += " (" + c + ")"
	}
	return f
}
