package report

import (
	"sort"
	"time"

	"github.com/kdx-dev/kdx/dwarf"
	"github.com/kdx-dev/kdx/kernel"
)

// Options say what Gather adds beyond the kernel's own facts. The slab
// side comes in through functions so that a report can be made (without
// slabinfo) before slab support exists, and tested with fakes.
type Options struct {
	Slabinfo func() ([]CacheLine, error)
	// TypeOf says which type to print the object holding the finding's
	// bad word as, and where that object starts; ok false when unknown.
	TypeOf func(f kernel.Finding) (typ string, obj uint64, what string, ok bool)
	// RefsTo fills each finding's Refs (kernel.RefsTo: one memory scan
	// for all of them) when they have none.
	RefsTo    func(fs []kernel.Finding) error
	Findings  []kernel.Finding
	Bookmarks []Bookmark
	Now       func() time.Time
}

// Gather reads what the report shows from k. Parts that cannot be read
// are left out with a note, never fail the report: a report about a
// damaged dump must still be written.
func Gather(k *kernel.Kernel, opt Options) (*Input, error) {
	s, err := k.Sys()
	if err != nil {
		return nil, err
	}
	in := &Input{Sys: s, Bookmarks: opt.Bookmarks}
	if opt.Now != nil {
		in.Generated = opt.Now()
	}
	if lg, err := k.Log(); err == nil {
		in.LogTail = lg.Records[max(0, len(lg.Records)-maxLogTail):]
		in.Oops = OopsLine(lg)
	}
	if s.PanicTask != nil {
		if bt, err := k.Backtrace(s.PanicTask); err != nil {
			in.BtErr = err.Error()
		} else {
			in.Backtrace, in.Fault = bt, FaultFrame(bt)
		}
	}
	gatherSlab(in, opt)
	fs := append([]kernel.Finding(nil), opt.Findings[:min(len(opt.Findings), maxFindings)]...)
	if opt.RefsTo != nil && !haveRefs(fs) {
		if err := opt.RefsTo(fs); err != nil {
			in.RefsNote = "references: " + err.Error()
		}
	}
	for _, f := range fs {
		in.Findings = append(in.Findings, detail(k, f, opt))
	}
	return in, nil
}

func gatherSlab(in *Input, opt Options) {
	if opt.Slabinfo == nil {
		in.SlabNote = "slabinfo not available in this build"
		return
	}
	rows, err := opt.Slabinfo()
	if err != nil {
		in.SlabNote = "slabinfo: " + err.Error()
		return
	}
	rows = append([]CacheLine(nil), rows...)
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].MemBytes > rows[j].MemBytes })
	in.Slabinfo = rows
}

// detail adds a finding's evidence: its words, its object as its type,
// and who references it.
func detail(k *kernel.Kernel, f kernel.Finding, opt Options) FindingDetail {
	d := FindingDetail{Finding: f}
	obj := f.Object
	if opt.TypeOf != nil {
		if typ, o, what, ok := opt.TypeOf(f); ok {
			d.What = what
			if obj == 0 {
				obj = o
			}
			if typ != "" {
				d.StructType = typ
				if v, err := k.Object(typ, o, typ); err == nil {
					d.Struct, _ = dwarf.Format(v, dwarf.FormatOptions{Offsets: true, Symbolize: k.Symbolize})
				}
			}
		}
	}
	d.HexBase, d.Words, d.WordOK = evidence(k, f.Addr, obj)
	return d
}

// evidence reads the words of the damaged object up to a little past the
// bad word (or a few words around it when the object is unknown).
func evidence(k *kernel.Kernel, addr, obj uint64) (base uint64, words []uint64, ok []bool) {
	base, n := addr&^7-32, 16
	if obj != 0 && obj <= addr && addr-obj < 4096 {
		base, n = obj, int((addr-obj)/8)+8
	}
	for i := 0; i < min(n, maxHexWords); i++ {
		w, err := k.ReadU64(base + uint64(i)*8)
		words, ok = append(words, w), append(ok, err == nil)
	}
	return base, words, ok
}

func haveRefs(fs []kernel.Finding) bool {
	for _, f := range fs {
		if len(f.Refs) > 0 {
			return true
		}
	}
	return false
}
