package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kdx-dev/kdx/internal/fixture"
)

// runKdx runs one command line and returns exit status and output.
func runKdx(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

type checkJSON struct {
	Findings []struct {
		Kind, Severity, Addr, Cache, Slab, Object, Path, Expected, Found string
		Refs                                                             []struct{ Addr, What string }
	}
	Caches, Slabs, Objects, Lists int
}

func TestCheckExitStatusAndJSON(t *testing.T) {
	vmlinux := fixture.Vmlinux(t)
	for _, tc := range []struct {
		scenario string
		code     int
		kind     string
	}{
		{"clean", 0, ""},
		{"freelist", 1, "bad-freelist-pointer"},
		{"slabmeta", 1, "bad-slab-link"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			g := fixture.Truth(t, tc.scenario)
			code, out, errs := runKdx("check", "--json", fixture.DumpPath(t, tc.scenario, "kdump-c31"), vmlinux)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tc.code, errs)
			}
			var r checkJSON
			if err := json.Unmarshal([]byte(out), &r); err != nil {
				t.Fatalf("JSON: %v\n%s", err, out)
			}
			if r.Caches < 100 || r.Slabs < 1000 || r.Objects < 10000 {
				t.Errorf("implausible totals %+v", r)
			}
			if tc.kind == "" {
				if len(r.Findings) != 0 {
					t.Errorf("clean dump: %d findings: %+v", len(r.Findings), r.Findings)
				}
				return
			}
			want := g.Corruptions[0].Addr.String()
			for _, f := range r.Findings {
				if f.Kind == tc.kind && f.Addr == want {
					if !strings.HasPrefix(f.Slab, "0x") || f.Severity != "corrupt" || f.Refs == nil {
						t.Errorf("finding lacks slab/severity/refs: %+v", f)
					}
					return
				}
			}
			t.Errorf("no %s at %s in %+v", tc.kind, want, r.Findings)
		})
	}
}

func TestCheckLists(t *testing.T) {
	code, out, errs := runKdx("check", "--no-refs", "--mod-path", filepath.Dir(fixture.Module(t)), "--cache", "kdx_obj", "--list", "kdx_list:struct kdx_node:link", "--list", "kdx_cycle",
		fixture.DumpPath(t, "list", "elf"), fixture.Vmlinux(t))
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr %s", code, errs)
	}
	for _, c := range fixture.Truth(t, "list").Corruptions {
		if !strings.Contains(out, c.Kind+" at "+c.Addr.String()) {
			t.Errorf("output lacks %s at %v:\n%s", c.Kind, c.Addr, out)
		}
	}
}

// TestCheckGlobalLists: a plain check, naming no list, finds every
// planted list corruption by walking the global list heads; the same list
// named with --list too is reported once.
func TestCheckGlobalLists(t *testing.T) {
	code, out, errs := runKdx("check", "--no-refs", "--mod-path", filepath.Dir(fixture.Module(t)), "--list", "kdx_cycle",
		fixture.DumpPath(t, "list", "kdump-c31"), fixture.Vmlinux(t))
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr %s", code, errs)
	}
	for _, c := range fixture.Truth(t, "list").Corruptions {
		if n := strings.Count(out, c.Kind+" at "+c.Addr.String()); n != 1 {
			t.Errorf("output has %s at %v %d times, want once:\n%s", c.Kind, c.Addr, n, out)
		}
	}
}

func TestSlabinfoLeakOnTop(t *testing.T) {
	code, out, errs := runKdx("slabinfo", fixture.DumpPath(t, "leak", "kdump-c31"), fixture.Vmlinux(t))
	if code != 0 {
		t.Fatalf("exit %d; stderr %s", code, errs)
	}
	lines := strings.Split(out, "\n")
	if len(lines) < 3 || !strings.Contains(lines[1], " kmalloc-256 ") {
		t.Fatalf("first cache is not kmalloc-256:\n%s", strings.Join(lines[:min(4, len(lines))], "\n"))
	}
}

func TestCommandUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"check", "--list", "a:b", "x"},
		{"list", "x"},
		{"list", "--head", "h", "--type", "struct x", "x"},
		{"search", "x"},
		{"slabinfo", "--sort", "colour", "/nonexistent"},
	} {
		if code, _, _ := runKdx(args...); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
}
