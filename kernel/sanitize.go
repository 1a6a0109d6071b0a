package kernel

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Sanitize makes text that came from the crashed machine (task names, log
// records, module names) safe to print on a terminal: control characters,
// C1 controls and invalid UTF-8 are shown as \xNN escapes instead of being
// sent raw, so a hostile or corrupted string cannot move the cursor, change
// colours or retitle the window. Tabs are kept; newlines too when keepNL.
func Sanitize(s string, keepNL bool) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case r == '\t', r == '\n' && keepNL:
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			fmt.Fprintf(&b, "\\x%02x", r)
		case r == '\\':
			b.WriteString(`\\`)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// isPlain reports whether s is printable ASCII, the common case, so that
// Sanitize can return it without allocating.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '\\' {
			return false
		}
	}
	return true
}
