package report

import (
	"encoding/binary"
	"fmt"
	"strings"
)

func (m *mdWriter) findings(in *Input) {
	m.f("## Findings (%d)\n\n", len(in.Findings))
	if len(in.Findings) == 0 {
		m.f("No findings.\n\n")
		return
	}
	if in.RefsNote != "" {
		m.f("%s\n\n", cell(in.RefsNote))
	}
	for i, f := range in.Findings {
		if i == maxFindings {
			m.f("… and %d more findings (see `kdx check --json`).\n\n", len(in.Findings)-i)
			break
		}
		m.finding(i+1, &f)
	}
}

func (m *mdWriter) finding(n int, f *FindingDetail) {
	m.f("### %d. %s `%s` at `%#016x`\n\n", n, f.Severity, cell(f.Kind), f.Addr)
	row := func(k, v string) {
		if v != "" {
			m.f("- **%s**: %s\n", k, v)
		}
	}
	row("cache", cell(f.Cache))
	if f.Slab != 0 {
		row("slab", fmt.Sprintf("`%#016x`", f.Slab))
	}
	if f.Object != 0 {
		row("object", fmt.Sprintf("`%#016x`", f.Object))
	}
	row("expected", cell(f.Expected))
	row("found", cell(f.Found))
	row("path", cell(f.Path))
	row("what", cell(f.What))
	m.f("\n")
	if len(f.Words) > 0 {
		m.f("Memory (`!` marks the bad word):\n\n")
		m.block("", hexDump(f))
	}
	if f.Struct != "" {
		m.f("The damaged object as `%s`:\n\n", cell(f.StructType))
		m.block("c", clip(f.Struct, maxStructLine))
	}
	m.refs(f)
}

func (m *mdWriter) refs(f *FindingDetail) {
	if len(f.Refs) == 0 {
		m.f("References (words elsewhere pointing into its page): none found.\n\n")
		return
	}
	m.f("References (%d words elsewhere point into its page):\n\n| address | value | what |\n|---|---|---|\n", len(f.Refs))
	for i, r := range f.Refs {
		if i == maxRefsShown {
			m.f("| … %d more | | |\n", len(f.Refs)-i)
			break
		}
		m.f("| `%#016x` | `%#016x` | %s |\n", r.Addr, r.Value, cell(r.What))
	}
	m.f("\n")
}

// hexDump prints the words two a line like crash's rd, with the bad word
// marked and ASCII alongside.
func hexDump(f *FindingDetail) string {
	var b strings.Builder
	n := min(len(f.Words), maxHexWords)
	for i := 0; i < n; i += 2 {
		a := f.HexBase + uint64(i)*8
		fmt.Fprintf(&b, "%016x:", a)
		var asc []byte
		for j := i; j < i+2 && j < n; j++ {
			mark := " "
			if f.HexBase+uint64(j)*8 == f.Addr&^7 {
				mark = "!"
			}
			if j < len(f.WordOK) && !f.WordOK[j] {
				fmt.Fprintf(&b, "  ????????????????%s", mark)
				continue
			}
			fmt.Fprintf(&b, "  %016x%s", f.Words[j], mark)
			var w [8]byte
			binary.LittleEndian.PutUint64(w[:], f.Words[j])
			for _, c := range w {
				if c < 0x20 || c > 0x7e {
					c = '.'
				}
				asc = append(asc, c)
			}
		}
		fmt.Fprintf(&b, "  %s\n", asc)
	}
	return b.String()
}

// clip keeps the first n lines of s.
func clip(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines[n] = fmt.Sprintf("... (%d more lines)", strings.Count(s, "\n")-n)
	}
	return strings.Join(lines, "\n")
}
