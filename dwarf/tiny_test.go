package dwarf

import (
	"debug/elf"
	"os"
	"strings"
	"testing"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// tinyAddrs places testdata/tiny.o's sections like a loaded module.
var tinyAddrs = map[string]uint64{".text": 0xffffffffc0001000, ".data": 0xffffffffc0002000, ".bss": 0xffffffffc0003000}

func loadTiny(t testing.TB) *Module {
	t.Helper()
	m, err := loadModule("testdata/tiny.o", tinyAddrs)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestTinyLayout checks the decoder against GCC's own layout of
// testdata/tiny.c (DWARF 5: bitfields by DW_AT_data_bit_offset).
func TestTinyLayout(t *testing.T) {
	m := loadTiny(t)
	st, err := m.Type("struct tiny")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path                    string
		off, size, bitOff, bits int64
	}{
		{"link", 0, 16, 0, 0}, {"link.prev", 8, 8, 0, 0}, {"counters", 16, 8, 0, 0},
		{"inuse", 16, 2, 0, 16}, {"objects", 18, 2, 0, 15}, {"frozen", 19, 1, 7, 1},
		{"state", 24, 4, 0, 0}, {"name", 28, 16, 0, 0}, {"grid", 44, 24, 0, 0},
		{"label", 72, 8, 0, 0}, {"fn", 80, 8, 0, 0}, {"tail", 88, 0, 0, 0},
	} {
		off, f, err := fieldPathOf(st, tc.path)
		if err != nil {
			t.Errorf("%s: %v", tc.path, err)
			continue
		}
		if off != tc.off || f.ByteSize != tc.size || f.BitOffset != tc.bitOff || f.BitSize != tc.bits {
			t.Errorf("%s: offset %d size %d bits %d@%d; want %d %d %d@%d", tc.path, off, f.ByteSize, f.BitSize, f.BitOffset,
				tc.off, tc.size, tc.bits, tc.bitOff)
		}
	}
	if st.Size() != 88 {
		t.Errorf("sizeof(struct tiny) = %d", st.Size())
	}
	_, grid, _ := fieldPathOf(st, "grid")
	outer, ok := grid.Type.(*godwarf.ArrayType)
	if !ok || outer.Count != 2 || outer.Type.(*godwarf.ArrayType).Count != 3 {
		t.Errorf("grid type %v", grid.Type)
	}
	_, tail, _ := fieldPathOf(st, "tail")
	if at, ok := tail.Type.(*godwarf.ArrayType); !ok || at.Count != -1 {
		t.Errorf("tail type %v", tail.Type)
	}
	et, err := m.Type("enum tiny_state")
	if e, ok := et.(*godwarf.EnumType); err != nil || !ok || enumName(e, -2) != "TINY_NEG" || enumName(e, 5) != "TINY_BUSY" {
		t.Errorf("enum tiny_state: %v %v", et, err)
	}
	if td, err := m.Type("tiny_word"); err != nil || td.Size() != 8 {
		t.Errorf("tiny_word: %v %v", td, err)
	}
	for path, want := range map[string]string{
		"fn": "void (*)(struct tiny *)", "label": "const char *", "grid": "int [2][3]",
		"tail": "int []", "link": "struct tiny_list", "counters": "tiny_word",
	} {
		if ft, err := fieldType(st, path); err != nil || CTypeName(ft) != want {
			t.Errorf("%s: %q %v, want %q", path, CTypeName(ft), err, want)
		}
	}
}

func fieldType(t godwarf.Type, path string) (godwarf.Type, error) {
	_, f, err := fieldPathOf(t, path)
	if err != nil {
		return nil, err
	}
	return f.Type, nil
}

// TestTinyValues reads tiny_one from tiny.o's own .data (its initializer)
// placed at the relocated address.
func TestTinyValues(t *testing.T) {
	m := loadTiny(t)
	f, err := elf.Open("testdata/tiny.o")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data, err := f.Section(".data").Data()
	if err != nil {
		t.Fatal(err)
	}
	mem := &memReader{base: tinyAddrs[".data"], b: data}
	addr, typ, err := m.Variable("tiny_one")
	if err != nil {
		t.Fatal(err)
	}
	sa, _ := m.Symbol("tiny_one")
	if addr != sa || addr < tinyAddrs[".data"] {
		t.Fatalf("tiny_one: DWARF %#x, symbol %#x", addr, sa)
	}
	v := NewValue(typ, addr, mem, "tiny_one")
	for _, tc := range []struct {
		field string
		want  uint64
	}{{"inuse", 3}, {"objects", 7}, {"frozen", 1}, {"counters", 3 | 7<<16 | 1<<31}} {
		if x, err := mustField(v, tc.field).Uint(); x != tc.want || err != nil {
			t.Errorf("%s = %#x, %v; want %#x", tc.field, x, err, tc.want)
		}
	}
	if s, err := mustField(v, "name").CString(0); s != "one" || err != nil {
		t.Errorf("name = %q, %v", s, err)
	}
	if a, _, err := m.Variable("tiny_hidden"); err != nil || a < tinyAddrs[".data"] || a >= tinyAddrs[".data"]+uint64(len(data)) {
		t.Errorf("static tiny_hidden at %#x, %v", a, err)
	}
}

// TestTinyUnloaded checks a variable in a section the kernel did not
// place reports no address rather than a wrong one.
func TestTinyUnloaded(t *testing.T) {
	m, err := loadModule("testdata/tiny.o", map[string]uint64{".text": 0xffffffffc0001000})
	if err != nil {
		t.Fatal(err)
	}
	if a, _, err := m.Variable("tiny_one"); err == nil && a != 0 {
		t.Errorf("tiny_one in unplaced .data at %#x", a)
	}
	if _, ok := m.Symbol("tiny_one"); ok {
		t.Error("symbol in unplaced .data resolved")
	}
	if a, ok := m.Symbol("tiny_get"); !ok || a != 0xffffffffc0001000 {
		t.Errorf("tiny_get at %#x %v", a, ok)
	}
}

func TestModuleErrors(t *testing.T) {
	dir := t.TempDir()
	exec := dir + "/exec.ko"
	os.WriteFile(exec, minimalELF(t), 0o644)
	os.WriteFile(dir+"/x.ko.xz", []byte("xz"), 0o644)
	for _, tc := range []struct{ path, want string }{
		{exec, "not a kernel module"},
		{dir + "/x.ko.xz", "unxz"},
		{dir + "/none.ko", "no such file"},
	} {
		if _, err := loadModule(tc.path, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.path, err, tc.want)
		}
	}
}

// TestCompleteDeclaration: struct module's sect_attrs points at a type
// its unit only declares; dereferencing it must give the definition.
func TestCompleteDeclaration(t *testing.T) {
	b := openFixture(t)
	mod, err := b.Type("struct module")
	if err != nil {
		t.Fatal(err)
	}
	_, f, err := fieldPathOf(mod, "sect_attrs")
	if err != nil {
		t.Fatal(err)
	}
	decl := resolve(f.Type.(*godwarf.PtrType).Type).(*godwarf.StructType)
	if !decl.Incomplete {
		t.Skip("this vmlinux defines struct module_sect_attrs where struct module is")
	}
	full, ok := completeType(decl).(*godwarf.StructType)
	if !ok || full.Incomplete || len(full.Field) == 0 {
		t.Fatalf("completed to %v", CTypeName(full))
	}
	v := NewValue(f.Type, 0x1000, &memReader{base: 0x1000, b: []byte{0, 0x20, 0, 0, 0, 0, 0, 0}}, "m.sect_attrs")
	d, err := v.Deref()
	if err != nil || d.Size() != full.Size() || d.Size() == 0 {
		t.Errorf("Deref: size %d, %v; want %d", d.Size(), err, full.Size())
	}
	if _, err := v.Field("nsections"); err != nil {
		t.Errorf("Field through the declaration: %v", err)
	}
}

// TestCompressedDebugSections loads tiny.o with zlib-compressed
// (SHF_COMPRESSED) debug sections and expects the same answers.
func TestCompressedDebugSections(t *testing.T) {
	plain := loadTiny(t)
	z, err := loadModule("testdata/tiny-zlib.o", tinyAddrs)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"tiny_one", "tiny_head", "tiny_hidden"} {
		a1, t1, err1 := plain.Variable(name)
		a2, t2, err2 := z.Variable(name)
		if err1 != nil || err2 != nil || a1 != a2 || CTypeName(t1) != CTypeName(t2) {
			t.Errorf("%s: plain %#x %s %v, compressed %#x %s %v", name, a1, CTypeName(t1), err1, a2, CTypeName(t2), err2)
		}
	}
	if st, err := z.types.typeAt(mustEntry(t, z, kindStruct, "tiny").die); err != nil || st.Size() != 88 {
		t.Errorf("struct tiny from compressed DWARF: %v %v", st, err)
	}
}

func mustEntry(t *testing.T, m *Module, kind uint8, name string) *ientry {
	t.Helper()
	e, ok := m.ix.find(kind, name)
	if !ok {
		t.Fatalf("%s not indexed", name)
	}
	return e
}

func TestFormatType(t *testing.T) {
	m := loadTiny(t)
	st, err := m.Type("struct tiny")
	if err != nil {
		t.Fatal(err)
	}
	got := FormatType(st, true)
	for _, want := range []string{
		"struct tiny {\n",
		"    [0] struct tiny_list link;\n",
		"    [16] union {\n        [16] tiny_word counters;\n        [16] struct {\n            [16] unsigned int inuse : 16;\n",
		"            [19] unsigned int frozen : 1;\n        };\n    };\n",
		"    [24] enum tiny_state state;\n", "    [28] char name[16];\n", "    [44] int grid[2][3];\n",
		"    [72] const char *label;\n", "    [80] void (*fn)(struct tiny *);\n", "    [88] int tail[];\n",
		"}\nSIZE: 88\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("FormatType lacks %q:\n%s", want, got)
		}
	}
	et, _ := m.Type("enum tiny_state")
	if got := FormatType(et, false); !strings.Contains(got, "    TINY_NEG = -2,\n") {
		t.Errorf("enum:\n%s", got)
	}
	td, _ := m.Type("tiny_word")
	if got := FormatType(td, false); got != "typedef long unsigned int tiny_word;\nSIZE: 8\n" {
		t.Errorf("typedef: %q", got)
	}
}
