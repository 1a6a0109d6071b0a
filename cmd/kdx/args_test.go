package main

import (
	"flag"
	"io"
	"reflect"
	"testing"
)

func TestParseArgsInterspersed(t *testing.T) {
	cases := []struct {
		args []string
		pos  []string
		json bool
		all  bool
	}{
		{[]string{"dump"}, []string{"dump"}, false, false},
		{[]string{"-a", "dump", "vmlinux"}, []string{"dump", "vmlinux"}, false, true},
		{[]string{"dump", "-a", "--json"}, []string{"dump"}, true, true},
		{[]string{"dump", "--", "-weird-name"}, []string{"dump", "-weird-name"}, false, false},
	}
	for _, c := range cases {
		fs, df := newFlags("bt", "", io.Discard)
		all := fs.Bool("a", false, "")
		pos, err := parseArgs(fs, c.args)
		if err != nil {
			t.Fatalf("parseArgs(%q): %v", c.args, err)
		}
		if !reflect.DeepEqual(pos, c.pos) || df.json != c.json || *all != c.all {
			t.Errorf("parseArgs(%q) = %q json=%v a=%v, want %q %v %v", c.args, pos, df.json, *all, c.pos, c.json, c.all)
		}
	}
	fs, _ := newFlags("bt", "", io.Discard)
	if _, err := parseArgs(fs, []string{"dump", "--nope"}); err == nil {
		t.Error("unknown flag accepted")
	}
	fs, _ = newFlags("bt", "", io.Discard)
	if _, err := parseArgs(fs, []string{"-h"}); err != flag.ErrHelp {
		t.Errorf("-h: got %v, want flag.ErrHelp", err)
	}
}

func TestDumpArgs(t *testing.T) {
	isDump := func(s string) bool { return s != "vmlinux" }
	d, v, err := dumpArgs([]string{"a", "vmlinux"}, isDump)
	if err != nil || !reflect.DeepEqual(d, []string{"a"}) || v != "vmlinux" {
		t.Errorf("got %q %q %v", d, v, err)
	}
	d, v, _ = dumpArgs([]string{"a", "b"}, isDump)
	if !reflect.DeepEqual(d, []string{"a", "b"}) || v != "" {
		t.Errorf("split dump: got %q %q", d, v)
	}
	if _, _, err := dumpArgs(nil, isDump); err == nil {
		t.Error("no dump accepted")
	}
}
