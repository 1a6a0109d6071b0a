package tui

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/kdx-dev/kdx/kernel"
)

func slabOf(b Backend) (SlabBackend, error) {
	if s := b.Slab(); s != nil {
		return s, nil
	}
	return nil, errNoSlab
}

func loadSlabinfo(ctx context.Context, b Backend, c Command) (any, error) {
	s, err := slabOf(b)
	if err != nil {
		return nil, err
	}
	rows, err := s.Slabinfo()
	if err != nil {
		return nil, err
	}
	rows = append([]CacheRow(nil), rows...)
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].MemBytes > rows[j].MemBytes })
	return rows, nil
}

// cacheBad says whether a cache has findings.
func (m *Model) cacheBad(name string) bool {
	for _, f := range m.findings {
		if f.Cache == name {
			return true
		}
	}
	return false
}

func renderSlabinfo(p *page, m *Model) []line {
	rows := p.data.([]CacheRow)
	out := []line{plain("CACHE             OBJSIZE  ALLOCATED     TOTAL   SLABS       MEMORY  NAME")}
	for _, r := range rows {
		l := act("kmem -S "+r.Name, "%016x %7d %10d %9d %7d %11s  %s", r.Addr, r.ObjSize, r.Active, r.Total, r.Slabs, human(r.MemBytes), kernel.Sanitize(r.Name, false))
		l.bad = m.cacheBad(r.Name)
		out = append(out, l)
	}
	if p.cmd.Arg != "" && p.filter == "" {
		p.filter = p.cmd.Arg
	}
	return out
}

func human(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1fG", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1fM", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1fK", float64(n)/(1<<10))
	}
	return fmt.Sprint(n)
}

func loadSlabs(ctx context.Context, b Backend, c Command) (any, error) {
	s, err := slabOf(b)
	if err != nil {
		return nil, err
	}
	return s.Slabs(ctx, c.Arg)
}

func renderSlabs(p *page, m *Model) []line {
	rows := p.data.([]SlabRow)
	out := []line{plain("%s: %d slabs (c: check this cache)", kernel.Sanitize(p.cmd.Arg, false), len(rows)),
		plain("SLAB              FIRST OBJECT      INUSE/TOTAL  WHERE")}
	for _, r := range rows {
		l := act(fmt.Sprintf("slab %#x", r.Addr), "%016x  %016x  %5d/%-5d  %s", r.Addr, r.Base, r.InUse, r.Objects, r.Where)
		l.bad = r.Bad || m.slabBad(r.Addr)
		out = append(out, l)
	}
	return out
}

func (m *Model) slabBad(slab uint64) bool {
	for _, f := range m.findings {
		if f.Slab == slab {
			return true
		}
	}
	return false
}

func loadObjects(ctx context.Context, b Backend, c Command) (any, error) {
	s, err := slabOf(b)
	if err != nil {
		return nil, err
	}
	return s.Objects(c.Addr)
}

func renderObjects(p *page, m *Model) []line {
	rows := p.data.([]ObjectRow)
	out := []line{plain("slab %#x: %d objects", p.cmd.Addr, len(rows)), plain("OBJECT            STATE      FREELIST#")}
	for _, r := range rows {
		st, idx := "allocated", ""
		if r.Free {
			st = "free"
		}
		if r.FreeIndex >= 0 {
			idx = fmt.Sprint(r.FreeIndex)
		}
		l := act(fmt.Sprintf("whatis %#x", r.Addr), "%016x  %-9s  %s", r.Addr, st, idx)
		l.bad = r.Bad || m.objectBad(r.Addr)
		out = append(out, l)
	}
	return out
}

func (m *Model) objectBad(obj uint64) bool {
	for _, f := range m.findings {
		if f.Object == obj {
			return true
		}
	}
	return false
}

func renderFindings(p *page, m *Model) []line {
	out := []line{plain("%d findings%s", len(m.findings), m.checkSuffix())}
	for i, f := range m.findings {
		l := act(fmt.Sprintf("finding %d", i), "%-7s %016x  %-22s %s", f.Severity, f.Addr, f.Kind, kernel.Sanitize(f.Cache, false))
		l.bad = f.Severity == kernel.Corrupt
		out = append(out, l)
		if f.Expected != "" || f.Found != "" {
			out = append(out, line{text: "          expected " + kernel.Sanitize(f.Expected, false) + ", found " + kernel.Sanitize(f.Found, false), level: -1, action: l.action})
		}
	}
	if len(m.findings) == 0 {
		out = append(out, plain("(none yet: :check runs every cache and global list, c on a cache checks that one)"))
	}
	return out
}

func (m *Model) checkSuffix() string {
	if m.check == nil {
		return ""
	}
	return " — " + m.check.summary()
}

// findingData is a finding's page: the finding, its damaged bytes, what
// the damaged address is (as its type) and who points at it.
type findingData struct {
	f      kernel.Finding
	hex    *rdData
	what   *whatisData
	refs   []kernel.Ref
	refErr error
}

// findingLoader reads what a finding's page shows.
// typ, when set, is the type the user showed the finding's object as (a
// list walked with -s TYPE), used when whatis knows none.
func findingLoader(f kernel.Finding, typ string) func(ctx context.Context, b Backend, c Command) (any, error) {
	return func(ctx context.Context, b Backend, c Command) (any, error) {
		d := &findingData{f: f}
		if w, err := b.Whatis(f.Addr); err == nil {
			if w.Type == "" && typ != "" && f.Object != 0 {
				w.Type, w.Obj = typ, f.Object
			}
			d.what = &whatisData{w: w}
			if w.Type != "" {
				s, err := b.Struct(w.Type, w.Obj)
				if err != nil {
					s = w.Type + ": " + err.Error()
				}
				d.what.st = visible(s)
			}
			if f.Object == 0 && w.Obj != 0 {
				f.Object = w.Obj
			}
		}
		base, n := f.Addr&^7-32, 16
		if f.Object != 0 && f.Object <= f.Addr && f.Addr-f.Object < 4096 {
			base, n = f.Object, int((f.Addr-f.Object)/8)+8
		}
		var err error
		if d.hex, err = readWords(ctx, b, base, min(n, 512)); err != nil {
			return nil, err
		}
		d.refs = append(d.refs, f.Refs...)
		target := f.Addr
		if f.Object != 0 {
			target = f.Object
		}
		more, err := b.Refs(ctx, target, 1)
		d.refs, d.refErr = append(d.refs, more...), err
		return d, nil
	}
}

func loadFinding(ctx context.Context, b Backend, c Command) (any, error) {
	return nil, fmt.Errorf("finding %s: open it from the findings view", c.Arg)
}

func renderFinding(p *page, m *Model) []line {
	d := p.data.(*findingData)
	f := d.f
	out := []line{{text: kernel.Sanitize(f.String(), false), level: -1, bad: true}}
	out = append(out, plain("── damaged words ──"))
	out = append(out, rdLines(d.hex, m.bad)...)
	if d.what != nil {
		out = append(out, plain(""), plain("── what it is ──"))
		out = append(out, renderWhatis(&page{data: d.what}, m)...)
	}
	out = append(out, plain(""), plain("── references (%d) ──", len(d.refs)))
	out = append(out, refLines(d.refs)...)
	if d.refErr != nil {
		out = append(out, plain("refs: %s", kernel.Sanitize(d.refErr.Error(), false)))
	}
	return out
}

func renderBookmarks(p *page, m *Model) []line {
	out := []line{plain("%d bookmarks (m on an address adds one)", len(m.bookmarks))}
	for _, b := range m.bookmarks {
		out = append(out, act(fmt.Sprintf("whatis %#x", b.Addr), "%016x  %s  (%s)", b.Addr, b.Note, kernel.Sanitize(strings.TrimSpace(b.What), false)))
	}
	return out
}
