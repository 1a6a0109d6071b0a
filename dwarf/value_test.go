package dwarf

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

const testBase = 0xffff888000000000

// testTypes resolves the synthetic types by name (a TypeSource).
type testTypes map[string]godwarf.Type

func (tt testTypes) Type(name string) (godwarf.Type, error) {
	if t, ok := tt[name]; ok {
		return t, nil
	}
	return nil, fmt.Errorf("type %q: %w", name, ErrNotFound)
}

// nodeMemory holds node1 at +0x100 linked to node2 at +0x200, whose next
// pointer is garbage.
func nodeMemory() (*memReader, Value) {
	m := &memReader{base: testBase, b: make([]byte, 0x1000)}
	n1, n2 := uint64(testBase+0x100), uint64(testBase+0x200)
	m.put64(n1, n2)
	m.put64(n1+8, testBase+0x800)
	m.putString(testBase+0x800, "hello\n")
	m.put32(n1+16, 5|0x123<<3|0b11101<<15)
	m.put32(n1+20, 1)
	m.b[n1+24-testBase] = 1
	m.put32(n1+28, 7)
	m.put32(n1+32, uint32(0xfffffff8)) // -8
	m.putString(n1+36, "eth0")
	for i := range 3 {
		m.put32(n1+52+uint64(4*i), uint32(i+1))
	}
	m.put64(n2, 0xdead000000000000)
	m.put32(n2+20, 77) // no enumerator
	m.putString(n2+36, "bad\x01\xff\"")
	return m, NewValue(tNodeTD, n1, m, "n")
}

func TestValueScalars(t *testing.T) {
	_, n := nodeMemory()
	for _, tc := range []struct {
		field string
		get   func(Value) (any, error)
		want  any
	}{
		{"a", uintOf, uint64(5)},
		{"b", uintOf, uint64(0x123)},
		{"c", intOf, int64(-3)},
		{"c", uintOf, uint64(0b11101)},
		{"st", enumOf, "S_BUSY"},
		{"on", boolOf, true},
		{"x", intOf, int64(7)},
		{"y", intOf, int64(-8)},
		{"name", cstrOf, "eth0"},
		{"label", cstrOf, "hello\n"},
		{"next", ptrOf, uint64(testBase + 0x200)},
		{"next.st", enumOf, "77"},
		{"next.name", cstrOf, "bad\x01\xff\""},
		{"next->name", cstrOf, "bad\x01\xff\""},
		{"v[2]", intOf, int64(3)},
		{"next->v[0]", intOf, int64(0)},
	} {
		v, err := n.Field(tc.field)
		if err != nil {
			t.Errorf("Field(%s): %v", tc.field, err)
			continue
		}
		got, err := tc.get(v)
		if err != nil || got != tc.want {
			t.Errorf("%s: got %v (%T), %v; want %v (%T)", v.Path(), got, got, err, tc.want, tc.want)
		}
	}
}

func uintOf(v Value) (any, error) { return v.Uint() }
func intOf(v Value) (any, error)  { return v.Int() }
func enumOf(v Value) (any, error) { return v.EnumName() }
func boolOf(v Value) (any, error) { return v.Bool() }
func ptrOf(v Value) (any, error)  { return v.Pointer() }
func cstrOf(v Value) (any, error) { return v.CString(64) }

func TestValueNavigation(t *testing.T) {
	_, n := nodeMemory()
	v, err := n.Field("v")
	if err != nil {
		t.Fatal(err)
	}
	e2, err := v.Index(2)
	if err != nil {
		t.Fatal(err)
	}
	if x, err := e2.Int(); x != 3 || err != nil || e2.Path() != "n.v[2]" {
		t.Errorf("%s = %d, %v", e2.Path(), x, err)
	}
	back, err := e2.ContainerOf(testTypes{"struct node": tNode}, "struct node", "v")
	if err != nil {
		t.Fatal(err)
	}
	if back.Addr() != testBase+0x100+8 { // e2 is v[2], 8 bytes past v
		t.Errorf("container_of(v[2]) at %#x", back.Addr())
	}
	back, _ = v.ContainerOf(testTypes{"struct node": tNode}, "struct node", "v")
	if back.Addr() != n.Addr() {
		t.Errorf("container_of(v) at %#x, want %#x", back.Addr(), n.Addr())
	}
	next, _ := n.Field("next")
	d, err := next.Deref()
	if err != nil || d.Addr() != testBase+0x200 || d.Path() != "*n.next" {
		t.Errorf("Deref: %v %v", d, err)
	}
	p1, err := next.Index(1) // pointer arithmetic: next + sizeof(struct node)
	if err != nil || p1.Addr() != testBase+0x200+64 {
		t.Errorf("next[1]: %v %v", p1, err)
	}
}

func TestValueErrors(t *testing.T) {
	_, n := nodeMemory()
	for _, tc := range []struct {
		name string
		op   func() error
		want []string
	}{
		{"bad pointer", func() error { _, err := mustField(n, "next.next.name").CString(16); return err },
			[]string{"n.next->next->name: read 0xdead000000000024", "not mapped"}},
		{"no field", func() error { _, err := n.Field("nope"); return err }, []string{"n: no field \"nope\" in struct node"}},
		{"deref int", func() error { _, err := mustField(n, "st").Deref(); return err }, []string{"n.st: cannot dereference"}},
		{"out of bounds", func() error { _, err := mustField(n, "v").Index(3); return err }, []string{"n.v: index 3 out of bounds [0, 3)"}},
		{"null", func() error { _, err := mustField(n, "next.label").CString(8); return err }, []string{"n.next->label: NULL string pointer"}},
		{"field of int", func() error { _, err := n.Field("a.b"); return err }, []string{"n.a: field \"b\": unsigned int is not a struct"}},
		{"bad subscript", func() error { _, err := n.Field("v[x]"); return err }, []string{"bad subscript"}},
		{"no memory", func() error { _, err := NewValue(tInt, 0, nil, "x").Int(); return err }, []string{"x: no memory"}},
	} {
		err := tc.op()
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q lacks %q", tc.name, err, w)
			}
		}
		var pe *PathError
		if !errors.As(err, &pe) {
			t.Errorf("%s: %T is not a *PathError", tc.name, err)
		}
	}
}

func mustField(v Value, path string) Value {
	f, err := v.Field(path)
	if err != nil {
		panic(err)
	}
	return f
}

func TestFormat(t *testing.T) {
	_, n := nodeMemory()
	sym := func(addr uint64) (string, bool) {
		if addr == testBase+0x200 {
			return "node_two", true
		}
		return "", false
	}
	out, err := Format(n, FormatOptions{Offsets: true, Symbolize: sym, MaxArray: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"struct node {\n",
		"[0x0] next = 0xffff888000000200 <node_two>,\n",
		`[0x8] label = 0xffff888000000800 "hello\n",`,
		"[0x10] a = 5,\n", "[0x10] b = 291,\n", "[0x11] c = -3,\n",
		"[0x14] st = S_BUSY,\n", "[0x18] on = true,\n",
		"[0x1c] {\n    [0x1c] x = 7,\n    [0x20] y = -8,\n  },\n",
		`[0x24] name = "eth0",`,
		"[0x34] v = {1, 2, ... (3 total)},\n",
		"[0x40] tail = {},\n}\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("Format output lacks %q:\n%s", want, out)
		}
	}
	next, _ := n.Field("next")
	d, _ := next.Deref()
	out, err = Format(d, FormatOptions{MaxDepth: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `name = "bad\x01\xff\"",`) || !strings.Contains(out, "st = 77,") || !strings.Contains(out, "  {...},") {
		t.Errorf("escaping, unknown enum or depth limit wrong:\n%s", out)
	}
	if out, _ := Format(n, FormatOptions{NoDeref: true}); strings.Contains(out, "hello") || !strings.Contains(out, "label = 0xffff888000000800,") {
		t.Errorf("NoDeref still follows char pointers:\n%s", out)
	}
	if _, err := Format(NewValue(tNode, 0x10, n.Mem(), "bad"), FormatOptions{}); err == nil {
		t.Error("Format of unmapped memory succeeded")
	}
}

func TestMembers(t *testing.T) {
	_, n := nodeMemory()
	ms, err := n.Members()
	if err != nil || len(ms) != len(tNode.Field) {
		t.Fatalf("%d members, %v", len(ms), err)
	}
	if ms[2].Name != "a" || ms[2].Value.Path() != "n.a" {
		t.Errorf("member 2: %+v", ms[2])
	}
	if x, err := ms[4].Value.Int(); x != -3 || err != nil {
		t.Errorf("c through Members = %d, %v", x, err)
	}
	next, _ := n.Field("next")
	ms, err = next.Members()
	if err != nil || ms[5].Value.Path() != "n.next->st" || ms[5].Value.Addr() != testBase+0x200+20 {
		t.Errorf("members through a pointer: %+v %v", ms[5], err)
	}
	if _, err := mustField(n, "st").Members(); err == nil {
		t.Error("Members of an enum succeeded")
	}
}
