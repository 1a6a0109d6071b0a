package kernel

import "strings"

// Taint bit numbers (include/linux/panic.h TAINT_*): #defines, not in
// DWARF; the letters themselves are read from the dump's taint_flags.
const (
	taintOOTModule      = 12
	taintUnsignedModule = 13
	maxTaintBits        = 64
)

// taintDescriptions explain each taint letter (Documentation/admin-guide/
// tainted-kernels.rst); the letter, not the bit, is the key, because the
// letters are what the dump's own taint_flags table gives.
var taintDescriptions = map[byte]string{
	'P': "proprietary module loaded",
	'F': "module force-loaded",
	'S': "out-of-spec system (SMP unsafe CPU, or kernel running out of spec)",
	'R': "module force-unloaded",
	'M': "machine check exception",
	'B': "bad page referenced or unexpected page flags",
	'U': "taint requested by user space",
	'D': "kernel died recently (OOPS or BUG)",
	'A': "ACPI table overridden by user",
	'W': "kernel issued a warning",
	'C': "staging driver loaded",
	'I': "platform firmware bug worked around",
	'O': "out-of-tree module loaded",
	'E': "unsigned module loaded",
	'L': "soft lockup occurred",
	'K': "kernel live-patched",
	'X': "auxiliary taint (distribution-defined)",
	'T': "built with struct randomization",
	'N': "in-kernel test module loaded",
}

// taintLetters turns a taint mask into its letters ("DOE") using the
// dump's taint_flags[] (c_true per bit); bits beyond that table print '?'.
func (k *Kernel) taintLetters(mask uint64) string {
	letters := k.taintTable()
	var b strings.Builder
	for bit := 0; bit < maxTaintBits; bit++ {
		if mask&(1<<bit) == 0 {
			continue
		}
		if bit < len(letters) && letters[bit] != 0 {
			b.WriteByte(letters[bit])
		} else {
			b.WriteByte('?')
		}
	}
	return b.String()
}

// taintTable reads taint_flags[].c_true once.
func (k *Kernel) taintTable() []byte {
	v, _ := k.cached("taint_flags", func() (any, error) {
		var out []byte
		arr, err := k.Global("taint_flags")
		if err != nil {
			return out, nil
		}
		n, err := arr.Len()
		if err != nil || n > maxTaintBits {
			return out, nil
		}
		for i := 0; i < n; i++ {
			e, err := arr.Index(i)
			if err != nil {
				break
			}
			c, _ := uintField(e, "c_true")
			out = append(out, byte(c))
		}
		return out, nil
	})
	return v.([]byte)
}

// TaintNames explains each letter of a taint string.
func TaintNames(letters string) []string {
	out := make([]string, 0, len(letters))
	for i := 0; i < len(letters); i++ {
		d, ok := taintDescriptions[letters[i]]
		if !ok {
			d = "unknown taint"
		}
		out = append(out, string(letters[i])+": "+d)
	}
	return out
}
