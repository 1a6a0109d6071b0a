package dwarf

import (
	"sort"
	"strings"
)

// TypeNames lists indexed type names starting with prefix, spelled as
// Type accepts them ("struct kmem_cache", "pgoff_t"), sorted, at most max
// (max <= 0: all); for completion in the TUI and the CLI. Modules' types
// are not included.
func (b *Binary) TypeNames(prefix string, max int) []string {
	var out []string
	for k := kindStruct; k < kindVar; k++ {
		kp := kindPrefix[k]
		tag := prefix
		if kp != "" {
			if !strings.HasPrefix(prefix, kp) && !strings.HasPrefix(kp, prefix) {
				continue
			}
			tag = strings.TrimPrefix(prefix, kp)
			if len(prefix) < len(kp) {
				tag = ""
			}
		}
		out = append(out, b.ix.withPrefix(k, tag, kp, max)...)
	}
	sort.Strings(out)
	if max > 0 && len(out) > max {
		out = out[:max]
	}
	return out
}

// VariableNames lists global variables starting with prefix (see
// TypeNames).
func (b *Binary) VariableNames(prefix string, max int) []string {
	return b.ix.withPrefix(kindVar, prefix, "", max)
}

// withPrefix returns up to max names of a kind starting with prefix, each
// with spell prepended.
func (ix *index) withPrefix(kind uint8, prefix, spell string, max int) []string {
	es := ix.entries
	i := sort.Search(len(es), func(i int) bool {
		e := &es[i]
		return e.kind > kind || e.kind == kind && string(ix.name(e)) >= prefix
	})
	var out []string
	for ; i < len(es) && es[i].kind == kind && (max <= 0 || len(out) < max); i++ {
		n := string(ix.name(&es[i]))
		if !strings.HasPrefix(n, prefix) {
			break
		}
		out = append(out, spell+n)
	}
	return out
}
