#!/usr/bin/python3
"""Turns the raw outputs of baselines.sh into docs/baselines.md (stdout).

usage: baselines_report.py RAWDIR FIXTUREDIR
"""
import json
import os
import re
import sys

SCENARIOS = ["clean", "freelist", "slabmeta", "list", "leak", "bitflip", "panic"]
FORMATS = ["elf", "elf-virt", "kdump-zlib.flat", "kdump-zlib", "kdump-snappy", "kdump-zstd",
           "proc-vmcore.elf", "kdump-c31.flat", "kdump-c31", "kdump-l31"]
NOTABLE = re.compile(r"error|invalid|duplicate|corrupt|cannot|not found|bad |"
                     r"^kmem:|^list:|^bt:|^crash:|WARNING|mismatch|loop", re.I)
HEX = re.compile(r"^\s*\[?[0-9a-f]{16}\]?\s*$")


def cell(text):
    return text.replace("|", "\\|").replace("\n", " ")[:240]


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return None


def crash_summary(cmd, out):
    """One line about one crash command's output."""
    if out is None:
        return "no output (crash stopped before this command)"
    lines = [l.rstrip() for l in out.splitlines() if l.strip()]
    notable = [l.strip() for l in lines if NOTABLE.search(l)]
    if cmd.startswith("list"):
        n = sum(1 for l in lines if HEX.match(l))
        tail = notable[:2] or ["ends at the head"]
        return f"{n} entries; " + "; ".join(tail)
    if cmd.startswith("kmem -S"):
        alloc = sum(1 for l in lines if re.match(r"^\s*\[[0-9a-f]{16}\]\s*$", l))
        free = sum(1 for l in lines if re.match(r"^\s+[0-9a-f]{16}\s*$", l))
        return f"{alloc} allocated, {free} free listed; " + ("; ".join(notable[:3]) or "no complaint")
    if cmd.startswith("kmem -s"):
        data = [l for l in lines if not l.startswith("CACHE")]
        return "; ".join(notable[:2] + data[:1]) or "empty"
    if cmd == "bt":
        frames = re.findall(r"#\d+ \[[0-9a-f]+\] (\S+)", out)
        return "; ".join(notable[:1] + [" < ".join(frames[:6])])
    if cmd == "sys":
        panic = [l.strip() for l in lines if "PANIC:" in l]
        return "; ".join(notable[:2] + panic[:1])
    return "; ".join(notable[:2]) or (lines[-1] if lines else "empty")


def crash_open(d):
    sysout = read(os.path.join(d, "0"))
    secs = (read(os.path.join(d, "seconds")) or "?").strip()
    if sysout and "RELEASE:" in sysout:
        return f"opens ({secs} s)"
    err = [l.strip() for l in (read(os.path.join(d, "stdout")) or "").splitlines()
           if l.startswith("crash:") or "error" in l.lower()]
    return "fails: " + (err[0] if err else "no sys output")


def drgn_load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {"load": {"ok": False, "error": (read(path) or "no output").strip().splitlines()[-1:]}}


def drgn_cell(r):
    if r["ok"]:
        v = r["result"]
        return json.dumps(v) if not isinstance(v, str) else v
    return "**" + r["error"] + "**"


def opens(raw):
    print("## Does each open each format? (scenario `clean`)\n")
    print("| format | crash 8.0.2 (`sys`) | drgn 0.0.22 (load, read `init_uts_ns`) |")
    print("|---|---|---|")
    for f in FORMATS:
        d = os.path.join(raw, "open", "crash", f)
        if not os.path.isdir(d):
            continue
        dr = drgn_load(os.path.join(raw, "open", f"drgn-{f}.json"))
        ok = dr.get("uts release", {}).get("ok")
        dcell = (f"opens ({dr['load']['seconds']} s)" if ok
                 else "fails: " + cell(str(dr["load"].get("error") or dr.get("uts release", {}).get("error"))))
        print(f"| `{f}` | {cell(crash_open(d))} | {cell(dcell)} |")
    print()


def truth_lines(fixtures, s):
    try:
        t = json.load(open(os.path.join(fixtures, s, "truth.json")))
    except (OSError, ValueError):
        return []
    out = []
    for c in t.get("corruptions", []):
        where = c.get("addr") or c.get("first") or ""
        what = {k: c[k] for k in ("field", "original", "planted", "count", "function") if k in c}
        out.append(f"`{c['kind']}` at {where} {json.dumps(what)}")
    return out


def findings(raw, fixtures):
    print("## What each says about the planted state (`proc-vmcore.elf`)\n")
    for s in SCENARIOS:
        d = os.path.join(raw, "find", "crash", s)
        if not os.path.isdir(d):
            continue
        print(f"### {s}\n")
        for line in truth_lines(fixtures, s) or ["nothing planted"]:
            print(f"- planted: {cell(line)}")
        print("\n| tool | probe | answer |")
        print("|---|---|---|")
        cmds = (read(os.path.join(d, "commands")) or "").splitlines()
        for i, cmd in enumerate(cmds):
            print(f"| crash | `{cmd}` | {cell(crash_summary(cmd, read(os.path.join(d, str(i)))))} |")
        dr = drgn_load(os.path.join(raw, "find", f"drgn-{s}.json"))
        for k, r in dr.items():
            if isinstance(r, dict) and k not in ("load", "uts release"):
                print(f"| drgn | {cell(k)} | {cell(drgn_cell(r))} |")
        print()


def main():
    raw, fixtures = sys.argv[1:3]
    print("# Baselines: crash 8.0.2 and drgn 0.0.22 on the fixture dumps\n")
    print("Made by `make baselines` (scripts/baselines.sh) from the dumps of "
          "`make fixtures` (docs/fixtures.md); raw outputs in "
          "`testdata/dumps/baselines/`. Addresses differ per scenario (KASLR, "
          "one boot per scenario). Bold: the tool stopped with an error.\n")
    opens(raw)
    findings(raw, fixtures)


if __name__ == "__main__":
    main()
