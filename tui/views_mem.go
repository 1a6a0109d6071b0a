package tui

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/kdx-dev/kdx/kernel"
)

type structData struct {
	typ  string
	addr uint64
	text string
}

func loadStruct(ctx context.Context, b Backend, c Command) (any, error) {
	addr, err := resolve(b, c)
	if err != nil {
		return nil, err
	}
	s, err := b.Struct(c.Type, addr)
	if err != nil {
		return nil, err
	}
	return &structData{c.Type, addr, visible(s)}, nil
}

// offRe finds the member offset crash's struct -o prints: "[0x60] ".
var offRe = regexp.MustCompile(`^\s*\[(0x[0-9a-f]+|\d+)\]`)

func renderStruct(p *page, m *Model) []line {
	d := p.data.(*structData)
	return structLines(d.text, d.addr, 0)
}

// structLines gives each member line the address of its word, so that a
// corrupted member is highlighted where it is printed.
// size, when known, closes the last member's span at the object's end.
func structLines(text string, base, size uint64) []line {
	out := textLines(text)
	last := -1 // the previous member line, whose span ends here
	for i := range out {
		sm := offRe.FindStringSubmatch(out[i].text)
		if sm == nil {
			continue
		}
		off, err := strconv.ParseUint(strings.TrimPrefix(sm[1], "0x"), pickBase(sm[1]), 64)
		if err != nil {
			continue
		}
		a := base + off
		out[i].words = []uint64{a &^ 7}
		if last >= 0 && a > out[last].span[0] {
			out[last].span[1] = a
		}
		out[i].span = [2]uint64{a, a}
		last = i
	}
	if last >= 0 {
		end := out[last].span[0] + 8
		if size > 0 && base+size > out[last].span[0] {
			end = base + size
		}
		out[last].span[1] = end
	}
	return out
}

func pickBase(s string) int {
	if strings.HasPrefix(s, "0x") {
		return 16
	}
	return 10
}

// rdData is a hex dump: the bytes read (nil rows were unreadable) and the
// symbols of the words that name one.
type rdData struct {
	addr  uint64
	words []uint64
	ok    []bool
	syms  map[uint64]string
}

const pageSize = 4096

// readWords reads n words at addr page by page, so that one missing page
// leaves the others readable.
func readWords(ctx context.Context, b Backend, addr uint64, n int) (*rdData, error) {
	d := &rdData{addr: addr, syms: map[uint64]string{}}
	for done := 0; done < n; {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		a := addr + uint64(done)*8
		chunk := min(n-done, int((pageSize-a%pageSize)/8))
		buf, err := b.ReadBytes(a, chunk*8)
		for i := 0; i < chunk; i++ {
			w := uint64(0)
			if err == nil {
				w = binary.LittleEndian.Uint64(buf[i*8:])
				if s, ok := b.Symbolize(w); ok && w>>47 != 0 {
					d.syms[w] = s
				}
			}
			d.words, d.ok = append(d.words, w), append(d.ok, err == nil)
		}
		done += chunk
	}
	return d, nil
}

func loadRd(ctx context.Context, b Backend, c Command) (any, error) {
	addr, err := resolve(b, c)
	if err != nil {
		return nil, err
	}
	return readWords(ctx, b, addr&^7, max(c.Count, 1))
}

func renderRd(p *page, m *Model) []line { return rdLines(p.data.(*rdData), m.bad) }

// rdLines prints two words a line, crash's rd -x layout, with the ASCII
// of the bytes and the symbols the words name; a corrupted word gets the
// bad mark right after it.
func rdLines(d *rdData, bad map[uint64]bool) []line {
	var out []line
	for i := 0; i < len(d.words); i += 2 {
		a := d.addr + uint64(i)*8
		var hexs, ascii, syms []string
		l := line{level: -1}
		for j := i; j < i+2 && j < len(d.words); j++ {
			wa := d.addr + uint64(j)*8
			l.words = append(l.words, wa)
			mark := " "
			if bad[wa] {
				mark = markBad
			}
			if !d.ok[j] {
				hexs = append(hexs, "????????????????"+mark)
				continue
			}
			hexs = append(hexs, fmt.Sprintf("%016x%s", d.words[j], mark))
			ascii = append(ascii, asciiOf(d.words[j]))
			if s, ok := d.syms[d.words[j]]; ok {
				syms = append(syms, s)
			}
		}
		l.text = fmt.Sprintf("%016x:  %s  %s  %s", a, strings.Join(hexs, " "), strings.Join(ascii, ""), kernel.Sanitize(strings.Join(syms, " "), false))
		out = append(out, l)
	}
	return out
}

func asciiOf(w uint64) string {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], w)
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			b[i] = '.'
		}
	}
	return string(b[:])
}

type whatisData struct {
	w   Whatis
	st  string
	hex *rdData // a typeless object's words (kmalloc), nil otherwise
}

// maxObjectWords bounds the words whatis shows of a typeless object.
const maxObjectWords = 64

func loadWhatis(ctx context.Context, b Backend, c Command) (any, error) {
	addr, err := resolve(b, c)
	if err != nil {
		return nil, err
	}
	w, err := b.Whatis(addr)
	if err != nil {
		return nil, err
	}
	d := &whatisData{w: w}
	if w.Type == "" && w.Obj != 0 && w.Size > 0 {
		d.hex, _ = readWords(ctx, b, w.Obj, int(min(w.Size/8, maxObjectWords)))
	}
	if w.Type != "" && ctx.Err() == nil {
		s, err := b.Struct(w.Type, w.Obj)
		if err != nil {
			s = w.Type + ": " + err.Error()
		}
		d.st = visible(s) // dwarf.Format escapes dump strings itself
	}
	return d, nil
}

func renderWhatis(p *page, m *Model) []line {
	d := p.data.(*whatisData)
	out := []line{plain("%#x:", d.w.Addr)}
	for _, s := range d.w.Desc {
		out = append(out, plain("  %s", s))
	}
	out = append(out, plain(""))
	if d.w.Type != "" {
		out = append(out, act(fmt.Sprintf("struct %s %#x", d.w.Type, d.w.Obj), "→ struct %s %#x", strings.TrimPrefix(d.w.Type, "struct "), d.w.Obj))
	}
	base := d.w.Addr &^ 7
	if d.w.Obj != 0 {
		base = d.w.Obj
	}
	if d.w.Type == "struct list_head" || d.w.Type == "struct hlist_head" {
		h := ""
		if d.w.Type == "struct hlist_head" {
			h = "-h "
		}
		out = append(out, act(fmt.Sprintf("list %s%#x", h, d.w.Obj), "→ list %s%#x (walk it by hand)", h, d.w.Obj))
	}
	if d.w.Slab != 0 {
		out = append(out, act(fmt.Sprintf("slab %#x", d.w.Slab), "→ slab %#x (its objects, freelist order)", d.w.Slab))
	}
	out = append(out, act(fmt.Sprintf("rd %#x", base), "→ rd %#x", base),
		act(fmt.Sprintf("refs %#x", d.w.Addr), "→ refs %#x (who points here)", d.w.Addr))
	if d.st != "" {
		out = append(out, plain(""))
		out = append(out, structLines(d.st, d.w.Obj, d.w.Size)...)
	}
	if d.hex != nil {
		out = append(out, plain(""), plain("the object's %d bytes (no type known for its cache):", len(d.hex.words)*8))
		out = append(out, rdLines(d.hex, m.bad)...)
	}
	return out
}

type refsData struct {
	addr uint64
	refs []kernel.Ref
}

func loadRefs(ctx context.Context, b Backend, c Command) (any, error) {
	addr, err := resolve(b, c)
	if err != nil {
		return nil, err
	}
	r, err := b.Refs(ctx, addr, 1)
	if err != nil {
		return nil, err
	}
	return &refsData{addr, r}, nil
}

func loadSearch(ctx context.Context, b Backend, c Command) (any, error) {
	r, err := b.Search(ctx, c.Addr)
	if err != nil {
		return nil, err
	}
	return &refsData{c.Addr, r}, nil
}

func renderRefs(p *page, m *Model) []line {
	d := p.data.(*refsData)
	what := "point at"
	if p.cmd.Name == "search" {
		what = "hold"
	}
	out := []line{plain("%d words %s %#x:", len(d.refs), what, d.addr)}
	return append(out, refLines(d.refs)...)
}

func refLines(refs []kernel.Ref) []line {
	var out []line
	for _, r := range refs {
		out = append(out, act(fmt.Sprintf("whatis %#x", r.Addr), "  %016x: %016x  %s", r.Addr, r.Value, kernel.Sanitize(r.What, false)))
	}
	return out
}

// errNoSlab is what slab views say before the slab package is wired.
var errNoSlab = errors.New("slab support is not available in this build")

// resolve is the command's address: given, or its symbol's.
func resolve(b Backend, c Command) (uint64, error) {
	if c.Sym == "" {
		return c.Addr, nil
	}
	return b.Lookup(c.Sym)
}
