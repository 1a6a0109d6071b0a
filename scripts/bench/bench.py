#!/usr/bin/python3
"""kdx side by side with crash(8) and drgn on the fixture dumps.

Runs each task with each tool on the same dump file, interleaved, several
runs each, and prints a Markdown table of min/median wall time and peak RSS
with kdx's ratio to each tool and the issue's targets. Writes
OUT/results.json (every run), OUT/table.md, raw outputs under OUT/raw/, and
with --doc replaces the generated part of docs/benchmarks.md.

usage: scripts/bench/bench.py [--quick] [--doc docs/benchmarks.md] [--gobench]
       (after `make fixtures build`, as `make bench` runs it)
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import time

import dumpinfo
import measure
import report
import tools

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
PYTHON = "/usr/bin/python3"  # the interpreter drgn 0.0.22 is installed for
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"

# The dump sets: the 1 GiB leak fixture (300,000 kmalloc-256 objects) and the
# 4 GiB guest with memory in use (testdata/dumps/big, made by `make fixtures`:
# testdata/kernel/Makefile, gen.py --name big, payload.py). Both use the
# capture kernel's /proc/vmcore copy: the one ELF all three tools open.
SETS = [
    {"name": "1 GiB", "scenario": "leak", "format": "proc-vmcore.elf",
     "desc": "1 GiB guest, leak scenario, capture kernel's /proc/vmcore (ELF)"},
    {"name": "4 GiB", "scenario": "big", "format": "proc-vmcore.elf", "listdir": "/bench/f",
     "desc": "4 GiB guest with ~1.1 GiB in use (leak scenario + 100k tmpfs files), "
             "capture kernel's /proc/vmcore (ELF)"},
    {"name": "1 GiB kdump", "scenario": "leak", "format": "kdump-c31",
     "tasks": ["open-cold", "open-warm", "slabinfo"], "optional": True,
     "desc": "1 GiB guest, leak scenario, makedumpfile -c -d 31 in the capture kernel "
             "(kdump-compressed, zlib)"},
]
# One run per tool: minutes each for crash and drgn; crash's search -k is
# timed for reference only.
SLOW = {"check-all", "search-k"}
GOBENCH_S = 180
SLOW_TIMEOUT = 60  # drgn's per-cache memmap scans take minutes for all caches


def sh(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=60).stdout.strip()
    except OSError as e:
        return f"unavailable ({e})"


def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                if l.startswith("model name")), platform.processor())
    mem = next(int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal"))
    return {"cpu": cpu, "ncpu": os.cpu_count(), "mem_gb": mem / 2**20,
            "kernel": platform.release()}


def versions(cfg):
    return {"kdx": sh([cfg["kdx"], "version"]).splitlines()[0] if os.path.exists(cfg["kdx"]) else "missing",
            "crash": (sh(["crash", "--version"]).splitlines() or ["crash ?"])[0].strip(),
            "drgn": sh([PYTHON, "-c", "import drgn; print(drgn.__version__)"]),
            "python": sh([PYTHON, "-c", "import platform; print(platform.python_version())"])}


def release():
    for line in open(os.path.join(ROOT, "internal", "fixture", "fixture.go")):
        if line.startswith("const Release"):
            return line.split('"')[1]
    raise SystemExit("internal/fixture/fixture.go: no `const Release`")


def dump_id(path):
    st = os.stat(path)
    return [st.st_size, st.st_mtime_ns]


def params(s, cfg):
    """Addresses the list task needs, found by drgn once per dump (untimed)."""
    key = f"v2-{s['scenario']}-{os.path.getsize(s['dump'])}-{int(os.path.getmtime(s['dump']))}"
    path = os.path.join(cfg["out"], f"params-{key}.json")
    if not os.path.exists(path):
        argv = [PYTHON, os.path.join(HERE, "drgn_task.py"), "params", s["dump"], s["vmlinux"],
                cfg["ko"]] + ([s["listdir"]] if s.get("listdir") else [])
        res = subprocess.run(argv, capture_output=True, text=True)
        if res.returncode != 0:
            raise SystemExit(f"bench: params for {s['dump']}: {res.stderr.strip()[-500:]}")
        with open(path, "w") as f:
            f.write(res.stdout)
    with open(path) as f:
        return json.load(f)


def dump_set(spec, cfg):
    """A set spec resolved against the fixture directory; None if absent."""
    d = os.path.join(cfg["dumps"], spec["scenario"])
    dump = os.path.join(d, spec["format"])
    truth_path = os.path.join(d, "truth.json")
    if not os.path.exists(dump) or not os.path.exists(truth_path):
        print(f"bench: {dump}: missing, set {spec['name']!r} skipped", file=sys.stderr)
        return None
    truth = json.load(open(truth_path))
    elf = spec["format"].endswith("elf")
    s = dict(spec, dump=dump, vmlinux=cfg["vmlinux"], dump_rel=os.path.relpath(dump, ROOT),
             size_mb=os.path.getsize(dump) / 2**20,
             mem_bytes=dumpinfo.mem_bytes(dump) if elf else 0,
             cache=truth.get("leak", {}).get("cache", "kmalloc-256"),
             value=truth["cache"]["addr"],
             value_what="address of the kdx_obj struct kmem_cache, found in each of its slabs")
    s.setdefault("tasks", [t for t, _ in tools.TASKS])
    if not elf:
        s["mem_bytes"] = 0
    s["dump_id"] = dump_id(dump)
    s["params"] = params(s, cfg)
    return s


def prepare(tool, task, s, cfg):
    """Cold runs start without kdx's index and without the page cache; a
    set's first warm run after a cold one (or the start) follows an untimed
    warm-up: its files read once, kdx's index built."""
    if task == "open-cold":
        if tool == "kdx":
            subprocess.run(["rm", "-rf", os.path.join(cfg["cache"], "kdx")], check=True)
        cfg["dropped"] = measure.drop_page_cache() and cfg["dropped"]
        cfg["warm"] = set()
    elif s["name"] not in cfg["warm"]:
        for f in (s["vmlinux"], s["dump"]):
            subprocess.run(["cat", f], stdout=subprocess.DEVNULL, check=False)
        subprocess.run([cfg["kdx"], "sys", s["dump"], s["vmlinux"]], env=cfg["env"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        cfg["warm"].add(s["name"])


def cap(wall):
    """Fewer runs of what is slow, so that the whole run fits its budget:
    a run over 20 s is repeated once, one over 60 s not at all."""
    return 1 if wall > 60 else 2 if wall > 20 else 1 << 30


def new_row(s, task, cfg, kdx_cmds):
    row = {"task": task, "timeout": cfg["timeout"], "runs": {t: [] for t in tools.TOOLS},
           "mem_bytes": s["mem_bytes"]}
    if not tools.kdx_has(task, kdx_cmds):
        row["kdx_na"] = ("kdx: n/a (command not yet built)" if tools.runs_tool(task, "kdx")
                         else "not run (see note)")
    if not tools.runs_tool(task, "drgn"):
        row["drgn_na"] = "not run (see note)"
    row["n"] = {t: (1 if task in SLOW and t != "kdx" else cfg["runs"][t]) for t in tools.TOOLS}
    row["stopped"] = {t: t + "_na" in row for t in tools.TOOLS}
    return row


def run_once(s, row, tool, r, cfg):
    """Run r of one tool on one row, unless done, stopped or out of budget."""
    task = row["task"]
    if r >= row["n"][tool] or row["stopped"][tool]:
        return
    if time.time() - cfg["t0"] > cfg["budget"]:
        if not row["runs"][tool]:
            row[tool + "_na"] = "skipped: time budget"
        return
    if dump_id(s["dump"]) != s["dump_id"]:
        raise SystemExit(f"bench: {s['dump']} changed during the benchmark (fixtures "
                         "regenerated?): its addresses are stale; rerun")
    raw = os.path.join(cfg["out"], "raw", s["name"].replace(" ", "_"), task)
    os.makedirs(raw, exist_ok=True)
    prepare(tool, task, s, cfg)
    argv, stdin = tools.argv(tool, task, s, cfg, raw)
    timeout = min(cfg["timeout"], SLOW_TIMEOUT) if task in SLOW else cfg["timeout"]
    row["timeout"] = timeout
    res = measure.run(argv, os.path.join(raw, f"{tool}-{r}.out"), stdin, cfg["env"], timeout)
    row["runs"][tool].append(res.as_dict())
    print(f"bench: {s['name']:>11} {task:9} {tool:5} run {r}: {res.wall:7.2f} s "
          f"{res.rss_kb / 1024:6.0f} MB rc {res.rc}{' TIMEOUT' if res.timed_out else ''}",
          file=sys.stderr, flush=True)
    row["stopped"][tool] = res.timed_out
    row["n"][tool] = min(row["n"][tool], cap(res.wall))


def schedule(sets, cfg, save):
    """Round r runs every row's run r, tools in an order rotating with r, so
    that a budget cut costs repetitions rather than whole rows. Cold rows
    close each round: they drop the caches the warm rows rely on."""
    pairs = [(s, row) for s in sets for row in s["rows"]]
    pairs.sort(key=lambda p: p[1]["task"] == "open-cold")
    rounds = max((max(row["n"].values()) for _, row in pairs), default=0)
    for r in range(rounds):
        k = r % len(tools.TOOLS)
        for s, row in pairs:
            for tool in tools.TOOLS[k:] + tools.TOOLS[:k]:
                run_once(s, row, tool, r, cfg)
        save()
    for _, row in pairs:
        for t in tools.TOOLS:
            row[t] = report.stats(row["runs"][t], tools.OK_RC[t]) if not row.get(t + "_na") else None
        del row["stopped"]


def gobench(cfg):
    """go test benchmarks of the hot paths, benchstat-friendly, next to the table."""
    path = os.path.join(cfg["out"], "gobench.txt")
    go = "/usr/local/go/bin/go" if os.path.exists("/usr/local/go/bin/go") else "go"
    with open(path, "w") as f:
        subprocess.run([go, "test", "-run", "^$", "-bench", ".", "-benchmem",
                        "-count", str(cfg["gobench_count"]), "./..."],
                       cwd=ROOT, stdout=f, stderr=subprocess.STDOUT)
    print(f"bench: go benchmarks in {path} (compare runs with benchstat)", file=sys.stderr)


def write_doc(path, text):
    old = open(path).read() if os.path.exists(path) else ""
    block = f"{BEGIN}\n{text}\n{END}"
    if BEGIN in old and END in old:
        new = old[:old.index(BEGIN)] + block + old[old.index(END) + len(END):]
    else:
        new = old + ("\n" if old else "") + block + "\n"
    with open(path, "w") as f:
        f.write(new)


def parse():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dumps", default=os.environ.get("KDX_FIXTURES", os.path.join(ROOT, "testdata", "dumps")))
    p.add_argument("--out", default=os.path.join(ROOT, "out", "bench"))
    p.add_argument("--kdx", default=os.path.join(ROOT, "bin", "kdx"))
    p.add_argument("--runs", type=int, default=3, help="runs per task of drgn")
    p.add_argument("--kdx-runs", type=int, default=5, help="runs per task of kdx")
    p.add_argument("--crash-runs", type=int, default=2, help="runs per task of crash (~8 s startup)")
    p.add_argument("--timeout", type=int, default=90, help="seconds before one run is killed")
    p.add_argument("--budget", type=int, default=780, help="seconds; later runs are skipped")
    p.add_argument("--sets", default="", help="comma-separated set names (default: all)")
    p.add_argument("--tasks", default="", help="comma-separated task ids (default: all)")
    p.add_argument("--quick", action="store_true", help="one run each, 1 GiB set only")
    p.add_argument("--doc", default="", help="Markdown file whose generated block to replace")
    p.add_argument("--gobench", action="store_true", help="then run go test -bench ./...")
    p.add_argument("--gobench-count", type=int, default=1)
    p.add_argument("--from", dest="from_json", default="",
                   help="rewrite the table (and --doc) from this results.json; run nothing")
    return p.parse_args()


def config(a):
    os.makedirs(a.out, exist_ok=True)
    kdir = os.path.join(a.dumps, "kernel")
    rel = release()
    cfg = {"dumps": a.dumps, "out": a.out, "kdx": a.kdx, "here": HERE, "python": PYTHON,
           "vmlinux": os.path.join(kdir, f"vmlinux-{rel}"), "ko": os.path.join(kdir, "kdxplant.ko"),
           "cache": os.path.join(a.out, "cache"), "timeout": a.timeout, "budget": a.budget,
           "runs": {"kdx": a.kdx_runs, "crash": a.crash_runs, "drgn": a.runs}, "dropped": True,
           "gobench_count": a.gobench_count, "t0": time.time()}
    if a.gobench:  # go test -bench ./... takes about 3 minutes here; keep the total ≤ 15
        cfg["budget"] = max(60, a.budget - GOBENCH_S)
    cfg["env"] = dict(os.environ, XDG_CACHE_HOME=cfg["cache"], PYTHONPATH=HERE)
    cfg["warm"] = set()  # sets warmed up since the last cold run
    if a.quick:
        cfg["runs"] = {"kdx": 1, "crash": 1, "drgn": 1}
    for need in (cfg["kdx"], cfg["vmlinux"]):
        if not os.path.exists(need):
            raise SystemExit(f"bench: {need} missing (make build fixtures)")
    # A private copy: bin/kdx may be rebuilt while the benchmark runs.
    own = os.path.join(a.out, "kdx")
    shutil.copy2(cfg["kdx"], own)
    cfg["kdx"] = own
    return cfg


def rerender(a):
    """--from: the table and doc again from a saved results.json, no runs."""
    result = json.load(open(a.from_json))
    for s in result["sets"]:
        for row in s["rows"]:
            for t in tools.TOOLS:
                if not row.get(t + "_na"):
                    row[t] = report.stats(row["runs"][t], tools.OK_RC[t])
    text = report.markdown(result)
    print(text)
    if a.doc:
        write_doc(a.doc, text)


def main():
    a = parse()
    if a.from_json:
        return rerender(a)
    cfg = config(a)
    names = set(filter(None, a.sets.split(","))) or ({"1 GiB"} if a.quick else None)
    only = set(filter(None, a.tasks.split(",")))
    utc = lambda: datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    result = {"started": utc(), "command": " ".join(["scripts/bench/bench.py"] + sys.argv[1:]),
              "machine": machine(), "versions": versions(cfg), "load_start": measure.loadavg(),
              "runs": cfg["runs"], "timeout": cfg["timeout"], "sets": []}
    kdx_cmds = tools.kdx_commands(cfg["kdx"])
    for spec in SETS:
        if (names and spec["name"] not in names) or (not names and spec.get("optional")):
            continue
        s = dump_set(spec, cfg)
        if s is None:
            continue
        s["rows"] = [new_row(s, t, cfg, kdx_cmds) for t in s["tasks"] if not only or t in only]
        result["sets"].append(s)
    save = lambda: json.dump(result, open(os.path.join(cfg["out"], "results.json"), "w"), indent=1)
    schedule(result["sets"], cfg, save)
    result.update(finished=utc(), elapsed_s=time.time() - cfg["t0"], load_end=measure.loadavg(),
                  dropped=cfg["dropped"])
    json.dump(result, open(os.path.join(cfg["out"], "results.json"), "w"), indent=1)
    text = report.markdown(result)
    open(os.path.join(cfg["out"], "table.md"), "w").write(text + "\n")
    print(text)
    if a.doc:
        write_doc(a.doc, text)
    if a.gobench:
        gobench(cfg)


if __name__ == "__main__":
    main()
