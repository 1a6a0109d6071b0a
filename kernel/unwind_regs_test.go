package kernel

import (
	"reflect"
	"testing"
)

func TestRegsFromCPU(t *testing.T) {
	got := regsFromCPU(map[string]uint64{"RIP": 1, "RSP": 2, "RBP": 3, "EFLAGS": 4, "ORIG_RAX": 5, "R8": 6, "CS": 0x33, "FS_BASE": 7})
	want := Regs{"ip": 1, "sp": 2, "bp": 3, "flags": 4, "orig_ax": 5, "r8": 6, "cs": 0x33, "fs_base": 7}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if !got.UserMode() || (Regs{"cs": 0x10}).UserMode() || (Regs{}).UserMode() {
		t.Error("UserMode: CPL 3 only, and unknown CS is not user mode")
	}
}

func TestRegsLines(t *testing.T) {
	r := Regs{"ip": 0xffffffffc031603c, "sp": 0xffffcf5dc03fbd00, "flags": 0x246, "r8": 1, "cs": 0x10, "ss": 0x18, "orig_ax": ^uint64(0)}
	want := []string{
		"RIP: ffffffffc031603c  RSP: ffffcf5dc03fbd00  RFLAGS: 00000246",
		"R8: 0000000000000001",
		"ORIG_RAX: ffffffffffffffff  CS: 0010  SS: 0018",
	}
	if got := r.Lines(); !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestPtRegsDecode(t *testing.T) {
	l := &ptRegsLayout{size: 32, fields: map[string]int{"bp": 0, "ip": 8, "cs": 16, "sp": 24}, ipOff: 8}
	b := make([]byte, 32)
	for i := range b {
		b[i] = byte(i / 8) // word n holds n in every byte
	}
	if got := l.decode(b, 0); got["bp"] != 0 || got["ip"] != 0x0101010101010101 || got["sp"] != 0x0303030303030303 {
		t.Errorf("full: %v", got)
	}
	// A partial frame starts at ip: bp is not there.
	part := l.decode(b[8:], 8)
	if _, ok := part["bp"]; ok || part["ip"] != 0x0101010101010101 || len(part) != 3 {
		t.Errorf("partial: %v", part)
	}
	if got := l.decode(b[:12], 0); len(got) != 1 {
		t.Errorf("short input must give only whole words: %v", got)
	}
}
