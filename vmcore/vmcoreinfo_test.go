package vmcore_test

import (
	"testing"
	"time"

	"github.com/kdx-dev/kdx/vmcore"
)

func TestVMCoreInfo(t *testing.T) {
	v := vmcore.ParseVMCoreInfo([]byte(testInfo + "garbage line\n=novalue\nSYMBOL(bad)=xyz\n\x00\x00"))
	u := func(x uint64, ok bool) any { return [2]any{x, ok} }
	i := func(x int64, ok bool) any { return [2]any{x, ok} }
	ps, psok := v.PageSize()
	ct, ctok := v.CrashTime()
	for _, tc := range []struct {
		name      string
		got, want any
	}{
		{"OSRelease", v.OSRelease(), "6.1.0-test"},
		{"BuildID", v.BuildID(), "abcdef"},
		{"PageSize", [2]any{ps, psok}, [2]any{4096, true}},
		{"KernelOffset", u(v.KernelOffset()), u(0x1e000000, true)},
		{"CrashTime", [2]any{ct, ctok}, [2]any{time.Unix(1700000000, 0).UTC(), true}},
		{"Symbol", u(v.Symbol("init_top_pgt")), u(0xffffffff9e00a000, true)},
		{"Symbol bad", u(v.Symbol("bad")), u(0, false)},
		{"Symbol missing", u(v.Symbol("nope")), u(0, false)},
		{"Number negative", i(v.Number("phys_base")), i(-123, true)},
		{"Offset", u(v.Offset("list_head.next")), u(0, true)},
		{"Size", u(v.Size("page")), u(64, true)},
		{"Length", u(v.Length("zone.free_area")), u(11, true)},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	if _, ok := v.Get("garbage line"); ok {
		t.Error("a line without '=' became a key")
	}
	if len(v.Keys()) != 11 {
		t.Errorf("%d keys: %v", len(v.Keys()), v.Keys())
	}
}
