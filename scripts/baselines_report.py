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


def cell(text, limit=240):
    return text.replace("|", "\\|").replace("\n", " ")[:limit]


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
        free = sum(1 for l in lines if re.match(r"^   [0-9a-f]{16}", l))
        return f"{alloc} allocated, {free} free listed; " + ("; ".join(notable[:3]) or "no complaint")
    if cmd.startswith("kmem 0x"):
        return " / ".join(" ".join(l.split()) for l in lines[:4]) or "empty"
    if cmd.startswith("kmem -s"):
        data = [l for l in lines if not l.startswith("CACHE")]
        return "; ".join(notable[:2] + data[:1]) or "empty"
    if cmd == "bt":
        frames = [a or f"[exception RIP: {b}]" for a, b in
                  re.findall(r"#\d+ \[[0-9a-f]+\] (\S+)|\[exception RIP: (\S+)\]", out)]
        return "; ".join(notable[:1] + [" < ".join(frames[:14])])
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


def load_truth(fixtures, s):
    try:
        return json.load(open(os.path.join(fixtures, s, "truth.json")))
    except (OSError, ValueError):
        return {}


def truth_lines(t):
    out = []
    for c in t.get("corruptions", []):
        words = ", ".join(f"{w['field']} at {w['addr']}: {w['original']} -> {w['planted']}"
                          for w in c.get("words", []))
        what = {k: c[k] for k in ("cache", "count", "first", "function", "module", "fault_addr",
                                  "comm", "pid", "task", "cpu")
                if k in c}
        out.append(f"`{c['kind']}` " + (words or json.dumps(what)))
    return out


def expected(t, probe):
    """The truth a probe's answer should match, where there is one number."""
    live = t.get("cache", {}).get("live")
    lists = {l["head"]: l["count"] for l in t.get("lists", [])}
    table = {
        "kmem -s kdx_obj": f"{live} allocated",
        "kdx_obj allocated objects": live,
        "list -H kdx_list -o kdx_node.link": lists.get("kdx_list"),
        "list -r -H kdx_list -o kdx_node.link": lists.get("kdx_list"),
        "kdx_list walk": lists.get("kdx_list"),
        "list -H kdx_cycle -o kdx_node.link": lists.get("kdx_cycle"),
        "kdx_cycle walk": lists.get("kdx_cycle"),
        "list -H kdx_objs -o kdx_obj.link": lists.get("kdx_objs"),
    }
    if t.get("leak"):
        table["kmalloc-256 allocated objects"] = f">= {t['leak']['count']}"
        table["kmem -s kmalloc-256"] = f">= {t['leak']['count']} allocated"
    v = table.get(probe)
    return "" if v is None else str(v)


def rows(raw, t, s):
    """(tool, probe, answer, truth) for every probe of a scenario."""
    out = []
    d = os.path.join(raw, "find", "crash", s)
    cmds = (read(os.path.join(d, "commands")) or "").splitlines()
    for i, cmd in enumerate(cmds):
        ans = crash_summary(cmd, read(os.path.join(d, str(i))))
        out.append(("crash", f"`{cmd}`", ans, expected(t, cmd)))
    dr = drgn_load(os.path.join(raw, "find", f"drgn-{s}.json"))
    for k, r in dr.items():
        if isinstance(r, dict) and k not in ("load", "uts release"):
            out.append(("drgn", k, drgn_cell(r), expected(t, k)))
    return out


def number(probe, answer):
    """The count an answer gives, or None."""
    if probe.startswith("`kmem -s"):
        f = answer.split()
        return int(f[2]) if len(f) > 2 and f[2].isdigit() else None
    m = re.match(r"(\d+)( entries)?$|(\d+) entries;", answer)
    return int(m.group(1) or m.group(3)) if m else None


def verdict(tool, probe, answer, truth):
    """error: the tool complained or stopped; wrong: a count differs from
    the truth without complaint; "" otherwise."""
    if answer.startswith("**") or (tool == "crash" and NOTABLE.search(answer.split(";", 1)[-1] if "entries" in answer or "listed" in answer else answer)):
        return "error"
    if "(stopped)" in answer:  # our bound ended a walk that never would
        return "wrong"
    n, want = number(probe, answer), re.match(r"(>= )?(\d+)", truth)
    if n is None or not want:
        return ""
    ok = n >= int(want.group(2)) if want.group(1) else n == int(want.group(2))
    return "" if ok else "wrong"


def summary(raw, fixtures):
    print("## Summary\n")
    print("Per scenario, the probes below where a tool complained or stopped "
          "(error), and where it gave a count that differs from the truth "
          "without any complaint, or walked on until our bound stopped it "
          "(silently wrong).\n")
    print("| scenario | crash: error | crash: silently wrong | drgn: error | drgn: silently wrong |")
    print("|---|---|---|---|---|")
    for s in SCENARIOS:
        if not os.path.isdir(os.path.join(raw, "find", "crash", s)):
            continue
        t = load_truth(fixtures, s)
        got = {(tool, v): [] for tool in ("crash", "drgn") for v in ("error", "wrong")}
        for tool, probe, answer, truth in rows(raw, t, s):
            v = verdict(tool, probe, answer, truth)
            if v:
                got[(tool, v)].append(probe)
        cells = [", ".join(got[k]) or "-" for k in
                 (("crash", "error"), ("crash", "wrong"), ("drgn", "error"), ("drgn", "wrong"))]
        print(f"| {s} | " + " | ".join(cell(c, 600) for c in cells) + " |")
    print()


def findings(raw, fixtures):
    print("## What each says about the planted state (`proc-vmcore.elf`)\n")
    for s in SCENARIOS:
        if not os.path.isdir(os.path.join(raw, "find", "crash", s)):
            continue
        print(f"### {s}\n")
        t = load_truth(fixtures, s)
        for line in truth_lines(t) or ["nothing planted"]:
            print(f"- planted: {cell(line, 1000)}")
        print("\n| tool | probe | answer | truth |")
        print("|---|---|---|---|")
        for tool, probe, answer, truth in rows(raw, t, s):
            print(f"| {tool} | {cell(probe)} | {cell(answer)} | {truth} |")
        print()


def main():
    raw, fixtures = sys.argv[1:3]
    print("# Baselines: crash 8.0.2 and drgn 0.0.22 on the fixture dumps\n")
    print("Made by `make baselines` (scripts/baselines.sh) from the dumps of "
          "`make fixtures` (docs/fixtures.md); raw outputs in "
          "`testdata/dumps/baselines/`. Addresses differ per scenario (KASLR, "
          "one boot per scenario). Bold: the tool stopped with an error. "
          "crash runs with the module's debug info (`mod -s kdxplant`); its "
          "times include ~10 s of startup and depend on the machine's load. "
          "The truth column is what `truth.json` says the answer should be.\n")
    opens(raw)
    summary(raw, fixtures)
    findings(raw, fixtures)


if __name__ == "__main__":
    main()
