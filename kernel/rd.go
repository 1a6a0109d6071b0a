package kernel

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// maxWords bounds one rd request.
const maxWords = 1 << 20

// Word is one 64-bit word of memory, with what it points at when that is
// a symbol.
type Word struct {
	Addr   uint64 `json:"addr"`
	Value  uint64 `json:"value"`
	OK     bool   `json:"ok"`
	Err    string `json:"error,omitempty"` // why it could not be read
	Symbol string `json:"symbol,omitempty"`
}

// ReadWords reads n words at addr (8-byte aligned down), page by page, so
// that a missing page marks its words unreadable instead of failing the
// whole request.
func (k *Kernel) ReadWords(addr uint64, n int) ([]Word, error) {
	if n <= 0 || n > maxWords {
		return nil, fmt.Errorf("rd: count %d out of range [1,%d]", n, maxWords)
	}
	addr &^= 7
	out := make([]Word, n)
	buf := make([]byte, 8)
	for i := range out {
		w := &out[i]
		w.Addr = addr + uint64(i)*8
		if _, err := k.Mem.ReadAt(buf, w.Addr); err != nil {
			w.Err = err.Error()
			continue
		}
		w.Value, w.OK = binary.LittleEndian.Uint64(buf), true
		if w.Value >= 1<<63 {
			w.Symbol, _ = k.Symbolize(w.Value)
		}
	}
	return out, nil
}

// FormatWords renders words like crash's `rd -64`: an address, two words a
// line, their bytes as ASCII, and the symbols any of them point at.
func FormatWords(words []Word) string {
	var b strings.Builder
	for i := 0; i < len(words); i += 2 {
		line := words[i:min(i+2, len(words))]
		fmt.Fprintf(&b, "%016x:  ", line[0].Addr)
		var ascii strings.Builder
		var syms []string
		for _, w := range line {
			if !w.OK {
				b.WriteString("???????????????? ")
				ascii.WriteString("........")
				continue
			}
			fmt.Fprintf(&b, "%016x ", w.Value)
			for j := 0; j < 8; j++ {
				c := byte(w.Value >> (8 * j))
				if c < 0x20 || c > 0x7e {
					c = '.'
				}
				ascii.WriteByte(c)
			}
			if w.Symbol != "" {
				syms = append(syms, w.Symbol)
			}
		}
		fmt.Fprintf(&b, "%*s  %s", 17*(2-len(line)), "", ascii.String())
		if len(syms) > 0 {
			fmt.Fprintf(&b, "  <%s>", strings.Join(syms, ", "))
		}
		if !line[0].OK {
			fmt.Fprintf(&b, "  (%s)", line[0].Err)
		}
		b.WriteByte('\n')
	}
	return b.String()
}
