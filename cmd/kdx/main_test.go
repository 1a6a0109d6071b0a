package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestRunTopLevel(t *testing.T) {
	cases := []struct {
		args     []string
		code     int
		inStdout string
		inStderr string
	}{
		{[]string{"version"}, 0, "kdx ", ""},
		{[]string{"--version"}, 0, "kdx ", ""},
		{[]string{"--help"}, 0, "Commands:", ""},
		{[]string{"version", "x"}, 2, "", "takes no arguments"},
		{nil, 2, "", "Usage:"},
		{[]string{"--bogus"}, 2, "", "unknown flag"},
	}
	for _, c := range cases {
		var out, errb bytes.Buffer
		code := run(c.args, &out, &errb)
		if code != c.code {
			t.Errorf("run(%q) = %d, want %d (stderr %q)", c.args, code, c.code, errb.String())
		}
		if !strings.Contains(out.String(), c.inStdout) {
			t.Errorf("run(%q) stdout %q lacks %q", c.args, out.String(), c.inStdout)
		}
		if !strings.Contains(errb.String(), c.inStderr) {
			t.Errorf("run(%q) stderr %q lacks %q", c.args, errb.String(), c.inStderr)
		}
	}
}
