package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kdx-dev/kdx/kernel"
)

func sample() *Input {
	return &Input{
		Generated: time.Date(2026, 11, 22, 5, 0, 0, 0, time.UTC),
		Sys: &kernel.Sys{DumpFiles: []string{"vmcore"}, DumpFormat: "kdump (zlib)", Release: "6.1.0-56-cloud-amd64",
			BuildID: "3b43fad5", Panic: "evil | ``` \x1b[2J", Taint: "OE", CrashTime: time.Date(2026, 11, 22, 4, 42, 17, 0, time.UTC),
			PanicTask: &kernel.Task{PID: 1, Comm: "init`|", Addr: 0xffff8bc8c11fe000}},
		Oops:     "BUG: kernel NULL pointer dereference, address: 0000000000000008",
		Fault:    "kdx_null_deref+0xc [kdxplant] kdxplant/main.c:42",
		LogTail:  []kernel.LogRecord{{TsNsec: 3e9, Text: "kdxplant: HOLD"}, {TsNsec: 4e9, Text: "bell\a here"}},
		Slabinfo: []CacheLine{{Name: "kdx_obj", ObjSize: 192, Active: 3700, Total: 4011, Slabs: 191, MemBytes: 782336}},
		Findings: []FindingDetail{{
			Finding: kernel.Finding{Kind: kernel.KindBadFreelistPointer, Severity: kernel.Corrupt, Addr: 0xffff8bc8c22dd960,
				Cache: "kdx_obj", Slab: 0xfffff8318008b740, Found: "0x4141414141414141",
				Refs: []kernel.Ref{{Addr: 0xffff8bc8c22dd780 + 0x30, Value: 0xffff8bc8c22dd900, What: "kdx_obj +0x30"}}},
			HexBase: 0xffff8bc8c22dd958, Words: []uint64{0, 0x4141414141414141, 0}, WordOK: []bool{true, true, false},
			StructType: "struct kdx_obj", Struct: "struct kdx_obj {\n  [0x0] self = 0xffff8bc8c22dd900,\n}\n"}},
		Bookmarks: []Bookmark{{Addr: 0xffff8bc8c22dd900, Note: "the victim | really", What: "finding 0"}},
	}
}

func TestWriteMarkdown(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	for _, want := range []string{
		"# kdx report: 6.1.0-56-cloud-amd64",
		"| build-id | 3b43fad5 |",
		"| crash time | 2026-11-22T04:42:17Z |",
		"## Panic",
		"Oops: `BUG: kernel NULL pointer dereference, address: 0000000000000008`",
		"Faulting at: `kdx_null_deref+0xc [kdxplant] kdxplant/main.c:42`",
		"## Log (last 2 records)",
		"[    3.000000] kdxplant: HOLD",
		"| kdx_obj | 192 | 3700 | 4011 | 191 | 764.0 KiB |",
		"### 1. corrupt `bad-freelist-pointer` at `0xffff8bc8c22dd960`",
		"ffff8bc8c22dd958:  0000000000000000   4141414141414141!",
		"  ????????????????",
		"```c\nstruct kdx_obj {",
		"| `0xffff8bc8c22dd7b0` | `0xffff8bc8c22dd900` | kdx_obj +0x30 |",
		"| `0xffff8bc8c22dd900` | the victim \\| really | finding 0 |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.ContainsAny(md, "\x1b\a") {
		t.Error("a raw control character from the dump reached the report")
	}
	if n := strings.Count(md, "```"); n%2 != 0 {
		t.Errorf("odd number of fences (%d): dump text closed a code block", n)
	}
}

func TestWriteFileAtomicNoOverwrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.md")
	if err := WriteFile(path, sample(), false); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(path)
	if !bytes.Contains(first, []byte("0xffff8bc8c22dd960")) {
		t.Fatal("report lacks the finding")
	}
	if err := WriteFile(path, sample(), false); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("second write without force: %v", err)
	}
	in := sample()
	in.Sys.Release = "other"
	if err := WriteFile(path, in, true); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); !bytes.Contains(b, []byte("# kdx report: other")) {
		t.Fatal("--force did not replace the report")
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("temporary files left behind: %v", ents)
	}
}

func TestWriteFileBadDir(t *testing.T) {
	err := WriteFile(filepath.Join(t.TempDir(), "no", "such", "r.md"), sample(), false)
	if err == nil || !strings.Contains(err.Error(), "r.md") {
		t.Fatalf("error %v does not name the file", err)
	}
}

func TestOopsAndFault(t *testing.T) {
	lg := &kernel.Log{Records: []kernel.LogRecord{{Text: "hello"}, {Text: "BUG: kernel NULL pointer dereference, address: 0000000000000008"}, {Text: "Oops: 0002 [#1]"}}}
	if got := OopsLine(lg); got != "BUG: kernel NULL pointer dereference, address: 0000000000000008" {
		t.Errorf("OopsLine = %q", got)
	}
	if got := OopsLine(&kernel.Log{Records: []kernel.LogRecord{{Text: "fine"}}}); got != "" {
		t.Errorf("OopsLine of a clean log = %q", got)
	}
	bt := &kernel.Backtrace{Frames: []kernel.Frame{{Symbol: "panic+0x1"}, {Symbol: "asm_exc_page_fault+0x22", ExceptionAddr: 0x1000},
		{Symbol: "kdx_null_deref+0xc", Module: "kdxplant", File: "/build/kdxplant/main.c", Line: 42}}}
	if got := FaultFrame(bt); got != "kdx_null_deref+0xc [kdxplant] kdxplant/main.c:42" {
		t.Errorf("FaultFrame = %q", got)
	}
	if got := FaultFrame(&kernel.Backtrace{Frames: bt.Frames[:1]}); got != "" {
		t.Errorf("FaultFrame without an exception = %q", got)
	}
}
