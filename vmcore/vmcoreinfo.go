package vmcore

import (
	"strconv"
	"strings"
	"time"
)

// VMCoreInfo is the kernel's VMCOREINFO text: KEY=VALUE lines written by
// the crashed kernel (crash_save_vmcoreinfo and arch additions).
type VMCoreInfo struct {
	raw  string
	kv   map[string]string
	keys []string
}

const maxInfoLines = 1 << 16

// ParseVMCoreInfo parses VMCOREINFO text. Malformed lines are skipped;
// a repeated key keeps its last value (the kernel appends arch values
// after the generic ones).
func ParseVMCoreInfo(b []byte) *VMCoreInfo {
	if len(b) > maxInfoBytes {
		b = b[:maxInfoBytes]
	}
	raw := strings.TrimRight(strings.ToValidUTF8(string(b), "?"), "\x00")
	v := &VMCoreInfo{raw: raw, kv: make(map[string]string)}
	for _, line := range strings.Split(raw, "\n") {
		key, val, ok := strings.Cut(strings.TrimRight(line, "\r\x00"), "=")
		if !ok || key == "" {
			continue
		}
		if _, dup := v.kv[key]; !dup {
			if len(v.keys) >= maxInfoLines {
				break
			}
			v.keys = append(v.keys, key)
		}
		v.kv[key] = val
	}
	return v
}

// Raw is the note's text as written.
func (v *VMCoreInfo) Raw() string { return v.raw }

// Keys lists the keys in first-seen order.
func (v *VMCoreInfo) Keys() []string { return append([]string(nil), v.keys...) }

// Get returns the value of a full key such as "OSRELEASE" or
// "SYMBOL(init_top_pgt)".
func (v *VMCoreInfo) Get(key string) (string, bool) {
	s, ok := v.kv[key]
	return s, ok
}

// OSRelease is OSRELEASE (uname -r of the crashed kernel).
func (v *VMCoreInfo) OSRelease() string { return v.kv["OSRELEASE"] }

// BuildID is BUILD-ID (hex), "" when absent.
func (v *VMCoreInfo) BuildID() string { return v.kv["BUILD-ID"] }

// PageSize is PAGESIZE.
func (v *VMCoreInfo) PageSize() (int, bool) {
	n, ok := v.dec("PAGESIZE")
	if !ok || n <= 0 || n > maxBlockSize || n&(n-1) != 0 {
		return 0, false
	}
	return int(n), true
}

// KernelOffset is KERNELOFFSET, the KASLR displacement of the kernel image
// (hex in the note).
func (v *VMCoreInfo) KernelOffset() (uint64, bool) { return v.hex("KERNELOFFSET") }

// CrashTime is CRASHTIME (seconds since the epoch).
func (v *VMCoreInfo) CrashTime() (time.Time, bool) {
	n, ok := v.dec("CRASHTIME")
	if !ok {
		return time.Time{}, false
	}
	return time.Unix(n, 0).UTC(), true
}

// Symbol is SYMBOL(name), a runtime (KASLR-shifted) address. Most are a
// variable's address; a few are the value the kernel stored there (with
// SPARSEMEM_EXTREME, SYMBOL(mem_section) is the allocated section array,
// not the pointer variable).
func (v *VMCoreInfo) Symbol(name string) (uint64, bool) { return v.hex("SYMBOL(" + name + ")") }

// Offset is OFFSET(name), name being "struct.field" as the kernel writes it
// (e.g. "list_head.next").
func (v *VMCoreInfo) Offset(name string) (uint64, bool) { return v.udec("OFFSET(" + name + ")") }

// Size is SIZE(name).
func (v *VMCoreInfo) Size(name string) (uint64, bool) { return v.udec("SIZE(" + name + ")") }

// Length is LENGTH(name).
func (v *VMCoreInfo) Length(name string) (uint64, bool) { return v.udec("LENGTH(" + name + ")") }

// Number is NUMBER(name), signed decimal (a "0x" prefix is honoured).
func (v *VMCoreInfo) Number(name string) (int64, bool) { return v.dec("NUMBER(" + name + ")") }

func (v *VMCoreInfo) hex(key string) (uint64, bool) {
	s, ok := v.kv[key]
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimSpace(s), "0x"), 16, 64)
	return n, err == nil
}

func (v *VMCoreInfo) dec(key string) (int64, bool) {
	s, ok := v.kv[key]
	if !ok {
		return 0, false
	}
	s = strings.TrimSpace(s)
	if h, ok := strings.CutPrefix(s, "0x"); ok {
		n, err := strconv.ParseUint(h, 16, 64)
		return int64(n), err == nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		u, uerr := strconv.ParseUint(s, 10, 64)
		return int64(u), uerr == nil
	}
	return n, true
}

func (v *VMCoreInfo) udec(key string) (uint64, bool) {
	n, ok := v.dec(key)
	return uint64(n), ok && n >= 0
}
