package tui

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseCommand(t *testing.T) {
	tests := []struct {
		in      string
		want    Command
		wantErr string
	}{
		{in: "log", want: Command{Name: "log"}},
		{in: "sys", want: Command{Name: "summary"}},
		{in: "q", want: Command{Name: "quit"}},
		{in: "ps sh", want: Command{Name: "ps", Arg: "sh"}},
		{in: "bt", want: Command{Name: "bt"}},
		{in: "bt 98", want: Command{Name: "bt", Arg: "98"}},
		{in: "bt -a", want: Command{Name: "bt", All: true}},
		{in: "bt ffff8a61019f9800", want: Command{Name: "bt", Addr: 0xffff8a61019f9800, HasAddr: true}},
		{in: "task 0x10", want: Command{Name: "task", Addr: 0x10, HasAddr: true}},
		{in: "bt sh", wantErr: "neither a PID"},
		{in: "kmem -s", want: Command{Name: "kmem -s"}},
		{in: "kmem -s kdx_obj", want: Command{Name: "kmem -S", Arg: "kdx_obj"}},
		{in: "kmem -S kdx_obj", want: Command{Name: "kmem -S", Arg: "kdx_obj"}},
		{in: "kmem -S", wantErr: "needs a cache"},
		{in: "kmem -i", wantErr: "only -s"},
		{in: "struct kdx_obj 0xffff8bc8c22dd900", want: Command{Name: "struct", Type: "struct kdx_obj", Addr: 0xffff8bc8c22dd900, HasAddr: true}},
		{in: "struct struct kdx_obj ffff8bc8c22dd900", want: Command{Name: "struct", Type: "struct kdx_obj", Addr: 0xffff8bc8c22dd900, HasAddr: true}},
		{in: "struct kdx_obj", wantErr: "needs a type and an address"},
		{in: "struct kdx_obj 0xzz", wantErr: "not a hex address"},
		{in: "rd ffff8bc8c22dd900", want: Command{Name: "rd", Addr: 0xffff8bc8c22dd900, HasAddr: true, Count: 64}},
		{in: "rd 0x1000 8", want: Command{Name: "rd", Addr: 0x1000, HasAddr: true, Count: 8}},
		{in: "rd 0x1000 0", wantErr: "1..65536"},
		{in: "rd", wantErr: "needs an address"},
		{in: "rd jiffies", want: Command{Name: "rd", Sym: "jiffies", Count: 64}},
		{in: "rd deadbeef", want: Command{Name: "rd", Addr: 0xdeadbeef, HasAddr: true, Count: 64}},
		{in: "struct task_struct init_task", want: Command{Name: "struct", Type: "struct task_struct", Sym: "init_task"}},
		{in: "whatis kdx_list", want: Command{Name: "whatis", Sym: "kdx_list"}},
		{in: "rd 0xzz", wantErr: "not a hex address"},
		{in: "slab jiffies", wantErr: "not a hex address"},
		{in: "list kdx_list -s kdx_node -l link", want: Command{Name: "list", Arg: "kdx_list", Type: "struct kdx_node", Member: "link"}},
		{in: "list -H 0xffffffffc03ec040", want: Command{Name: "list", Arg: "0xffffffffc03ec040"}},
		{in: "list -h hl -s x -l node", want: Command{Name: "list", Arg: "hl", Hlist: true, Type: "struct x", Member: "node"}},
		{in: "list kdx_list -s kdx_node", wantErr: "go together"},
		{in: "list", wantErr: "needs a head"},
		{in: "list a b", wantErr: "one head only"},
		{in: "whatis ffffffffc03ec040", want: Command{Name: "whatis", Addr: 0xffffffffc03ec040, HasAddr: true}},
		{in: "refs 0x10", want: Command{Name: "refs", Addr: 0x10, HasAddr: true}},
		{in: "search 4141414141414141", want: Command{Name: "search", Addr: 0x4141414141414141, HasAddr: true}},
		{in: "whatis", wantErr: "one address"},
		{in: "check", want: Command{Name: "check"}},
		{in: "check kdx_obj", want: Command{Name: "check", Arg: "kdx_obj"}},
		{in: "check a b", wantErr: "at most one"},
		{in: "export r.md", want: Command{Name: "export", Arg: "r.md"}},
		{in: "export r.md --force", want: Command{Name: "export", Arg: "r.md", Force: true}},
		{in: "export", wantErr: "needs a file"},
		{in: "finding 3", want: Command{Name: "finding", Arg: "3"}},
		{in: "finding x", wantErr: "not a number"},
		{in: "mod x", wantErr: "no arguments"},
		{in: "frobnicate", wantErr: "unknown command"},
		{in: "   ", wantErr: "empty"},
	}
	for _, tc := range tests {
		got, err := ParseCommand(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseCommand(%q) error = %v, want one containing %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseCommand(%q): %v", tc.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseCommand(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

// TestCommandStringRoundTrip checks that a command's canonical text (the
// breadcrumb and history form) parses back to the same command.
func TestCommandStringRoundTrip(t *testing.T) {
	for _, in := range []string{"log", "ps sh", "bt 98", "bt -a", "kmem -s", "kmem -S kdx_obj", "struct kdx_obj 0xffff8bc8c22dd900",
		"rd 0x1000 8", "rd 0x1000", "rd jiffies 4", "struct task_struct init_task", "list -h hl -s x -l node", "list kdx_list", "whatis 0x10", "export r.md --force", "check kdx_obj"} {
		c, err := ParseCommand(in)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		c2, err := ParseCommand(c.String())
		if err != nil || !reflect.DeepEqual(c, c2) {
			t.Errorf("%q -> %q -> %+v (%v), want %+v", in, c.String(), c2, err, c)
		}
	}
}

func TestComplete(t *testing.T) {
	caches := []string{"kdx_obj", "kmalloc-256", "kmalloc-64"}
	tests := []struct {
		line string
		want []string
	}{
		{"l", []string{"list", "log"}},
		{"kmem", []string{"kmem -s", "kmem -S"}},
		{"st", []string{"struct"}},
		{"zz", nil},
		{"kmem -S km", []string{"kmem -S kmalloc-256", "kmem -S kmalloc-64"}},
		{"check kd", []string{"check kdx_obj"}},
		{"kmem -s ", []string{"kmem -s kdx_obj", "kmem -s kmalloc-256", "kmem -s kmalloc-64"}},
	}
	for _, tc := range tests {
		if got := Complete(tc.line, caches); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Complete(%q) = %q, want %q", tc.line, got, tc.want)
		}
	}
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"list kdx_list -s kdx_node -l link", "rd 0x10 4", "struct struct x 1", "kmem -S a", "export a --force"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCommand(s)
		if err != nil {
			return
		}
		if c.Name == "" {
			t.Fatalf("ParseCommand(%q) gave a command with no name", s)
		}
		if c.Name == "rd" && (c.Count <= 0 || c.Count > 1<<16) {
			t.Fatalf("rd count %d out of bounds", c.Count)
		}
	})
}
