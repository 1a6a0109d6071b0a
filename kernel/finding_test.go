package kernel

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestFindingJSON(t *testing.T) {
	f := Finding{Kind: KindBadFreelistPointer, Severity: Corrupt, Addr: 0xffff888000001060, Cache: "kdx_obj",
		Slab: 0xffffea0000000040, Path: "p", Expected: "e", Found: "f",
		Refs: []Ref{{Addr: 0xffff888000002000, Value: 0xffff888000001000, What: "slab object"}}}
	b, err := json.Marshal(f.JSON())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"kind":"bad-freelist-pointer"`, `"severity":"corrupt"`, `"addr":"0xffff888000001060"`,
		`"slab":"0xffffea0000000040"`, `"refs":[{"addr":"0xffff888000002000","value":"0xffff888000001000","what":"slab object"}]`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON %s lacks %s", b, want)
		}
	}
	if strings.Contains(string(b), `"object"`) {
		t.Errorf("zero object not omitted: %s", b)
	}
	if b, _ := json.Marshal(Finding{}.JSON()); !strings.Contains(string(b), `"refs":[]`) {
		t.Errorf("no refs must be [], got %s", b)
	}
}

func TestSortFindings(t *testing.T) {
	fs := []Finding{
		{Kind: "b", Severity: Suspect, Addr: 1},
		{Kind: "a", Severity: Corrupt, Addr: 9},
		{Kind: "c", Severity: Corrupt, Addr: 2},
		{Kind: "w", Severity: Warning, Addr: 0},
		{Kind: "a", Severity: Corrupt, Addr: 2},
	}
	SortFindings(fs)
	var got []string
	for _, f := range fs {
		got = append(got, f.Kind)
	}
	if strings.Join(got, "") != "acabw" {
		t.Errorf("order %v, want corrupt by address then kind, then suspect, then warning", got)
	}
}
