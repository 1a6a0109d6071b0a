package tui

import (
	"math/bits"
	"testing"
)

func TestDecodeFreePointer(t *testing.T) {
	const ptr, random, at = 0xffff8bc8c22dd6c0, 0x1234567890abcdef, 0xffff8bc8c22dd960
	tests := []struct {
		variant string
		stored  uint64
	}{
		{"plain", ptr},
		{"hardened (swab)", ptr ^ random ^ bits.ReverseBytes64(at)},
		{"hardened (no swab)", ptr ^ random ^ at},
	}
	for _, tc := range tests {
		if got := decodeFreePointer(tc.stored, random, at, tc.variant); got != ptr {
			t.Errorf("%s: decoded %#x, want %#x", tc.variant, got, uint64(ptr))
		}
	}
	// The planted 0x4141414141414141 must not decode to an object.
	if got := decodeFreePointer(0x4141414141414141, random, at, "hardened (swab)"); got == ptr {
		t.Error("garbage decoded to the real next pointer")
	}
}
