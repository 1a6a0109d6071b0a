package kernel

import (
	"fmt"
	"sort"
)

// Severity ranks a finding: Corrupt is proven inconsistency (the kernel's
// own checks would fail), Suspect is a statistical outlier that may be
// legitimate, Warning is a state kdx could not verify (an unreadable page).
type Severity int

const (
	Warning Severity = iota
	Suspect
	Corrupt
)

func (s Severity) String() string {
	switch s {
	case Corrupt:
		return "corrupt"
	case Suspect:
		return "suspect"
	}
	return "warning"
}

// MarshalText makes JSON carry the name, not the number.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Finding kinds. Verifiers may add their own, but the TUI and report key
// their colours and grouping on these names.
const (
	KindBadFreelistPointer   = "bad-freelist-pointer"
	KindFreelistCycle        = "freelist-cycle"
	KindFreeCountMismatch    = "free-count-mismatch"
	KindDoubleFree           = "object-on-two-freelists"
	KindNotSlab              = "not-a-slab-page"
	KindWrongCache           = "slab-wrong-cache"
	KindBadSlabCounters      = "bad-slab-counters"
	KindFrozenMismatch       = "frozen-state-mismatch"
	KindBadSlabLink          = "bad-slab-link"
	KindSlabNotListed        = "partial-slab-not-listed"
	KindCacheCounterMismatch = "cache-counter-mismatch"
	KindUnreadable           = "unreadable"
	KindListNextPrev         = "list-next-prev-mismatch"
	KindListBadNext          = "list-bad-next"
	KindListBadPrev          = "list-bad-prev"
	KindListTooLong          = "list-too-long"
	KindListCycle            = "list-cycle"
	KindListPoison           = "list-poison"
	KindListMisaligned       = "list-misaligned"
	KindSuspectWord          = "suspect-word"
)

// Ref is one word elsewhere in memory that points at a finding's address
// or page, with what that word belongs to.
type Ref struct {
	Addr  uint64 `json:"-"` // where the pointing word is
	Value uint64 `json:"-"` // the word
	What  string `json:"what"`
}

// Finding is one problem found by a walker or verifier. Addr is the
// address of the bad word itself, so that the browser can highlight it.
type Finding struct {
	Kind     string
	Severity Severity
	Addr     uint64 // the bad word (or the start of the bad structure)
	Cache    string // cache name, "" when not about a slab
	Slab     uint64 // struct slab * / struct page *
	Object   uint64 // slab object or list entry holding Addr
	Path     string // how the walker got there
	Expected string
	Found    string
	Refs     []Ref
}

// Same reports whether f and g report one problem: the same kind at the
// same word (found again by another walk or another check).
func (f Finding) Same(g Finding) bool { return f.Kind == g.Kind && f.Addr == g.Addr }

func (f Finding) String() string {
	s := fmt.Sprintf("%s %s at %#x", f.Severity, f.Kind, f.Addr)
	if f.Cache != "" {
		s += " in " + f.Cache
	}
	if f.Slab != 0 {
		s += fmt.Sprintf(" slab %#x", f.Slab)
	}
	if f.Object != 0 {
		s += fmt.Sprintf(" object %#x", f.Object)
	}
	if f.Expected != "" || f.Found != "" {
		s += fmt.Sprintf(": expected %s, found %s", f.Expected, f.Found)
	}
	if f.Path != "" {
		s += " (" + f.Path + ")"
	}
	return s
}

// FindingJSON is the wire form of a Finding: addresses as "0x…" strings
// (JSON numbers cannot carry 64 bits exactly).
type FindingJSON struct {
	Kind     string    `json:"kind"`
	Severity string    `json:"severity"`
	Addr     string    `json:"addr"`
	Cache    string    `json:"cache,omitempty"`
	Slab     string    `json:"slab,omitempty"`
	Object   string    `json:"object,omitempty"`
	Path     string    `json:"path,omitempty"`
	Expected string    `json:"expected,omitempty"`
	Found    string    `json:"found,omitempty"`
	Refs     []RefJSON `json:"refs"`
}

// RefJSON is the wire form of a Ref.
type RefJSON struct {
	Addr  string `json:"addr"`
	Value string `json:"value,omitempty"`
	What  string `json:"what"`
}

// JSON converts a Finding to its wire form.
func (f Finding) JSON() FindingJSON {
	j := FindingJSON{Kind: f.Kind, Severity: f.Severity.String(), Addr: Hex(f.Addr),
		Cache: f.Cache, Path: f.Path, Expected: f.Expected, Found: f.Found, Refs: []RefJSON{}}
	if f.Slab != 0 {
		j.Slab = Hex(f.Slab)
	}
	if f.Object != 0 {
		j.Object = Hex(f.Object)
	}
	for _, r := range f.Refs {
		j.Refs = append(j.Refs, RefJSON{Addr: Hex(r.Addr), Value: Hex(r.Value), What: r.What})
	}
	return j
}

// Hex formats an address as the JSON outputs carry it.
func Hex(a uint64) string { return fmt.Sprintf("%#016x", a) }

// SortFindings orders findings by severity (worst first), then address,
// then kind, so that output is stable across parallel runs.
func SortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		if a.Addr != b.Addr {
			return a.Addr < b.Addr
		}
		return a.Kind < b.Kind
	})
}
