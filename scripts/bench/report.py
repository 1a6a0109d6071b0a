"""The benchmark table: min/median wall time, peak RSS, kdx's ratios, targets."""
import statistics

from tools import TASKS, TITLES, TOOLS


def stats(runs, ok_rc):
    """min/median wall and max peak RSS over the runs that succeeded."""
    ok = [r for r in runs if not r["timed_out"] and r["rc"] in ok_rc]
    if not ok:
        return None
    walls = [r["wall"] for r in ok]
    return {"n": len(ok), "failed": len(runs) - len(ok), "min": min(walls), "median": statistics.median(walls),
            "rss_mb": max(r["rss_kb"] for r in ok) / 1024, "lines": ok[-1]["lines"],
            "rcs": sorted({r["rc"] for r in ok})}


def fmt_s(x):
    return f"{x:.2f}" if x < 10 else f"{x:.1f}"


def cell(row, tool):
    """'min / median s, RSS MB' or why there is no number."""
    if row.get(tool + "_na"):
        return row[tool + "_na"]
    st = row.get(tool)
    if st is None:
        runs = row["runs"].get(tool, [])
        if any(r["timed_out"] for r in runs):
            return f"> {row['timeout']} s (timed out)"
        if runs:
            return f"failed (exit {runs[-1]['rc']}, see raw output)"
        return "n/a"
    failed = f", {st['failed']} failed" if st.get("failed") else ""
    return (f"{fmt_s(st['min'])} / {fmt_s(st['median'])} s, {st['rss_mb']:.0f} MB "
            f"(n={st['n']}{failed})")


def ratio(row, tool):
    """kdx's median over tool's median, and its peak RSS over tool's."""
    k, o = row.get("kdx"), row.get(tool)
    if k and not o and any(r["timed_out"] for r in row["runs"].get(tool, [])):
        return f"< {k['median'] / row['timeout']:.2g}× time ({tool} timed out)"
    if not k or not o:
        return "–"
    return f"{k['median'] / o['median']:.2g}× time, {k['rss_mb'] / o['rss_mb']:.2g}× RSS"


def lower_bound(row, tool):
    """A tool's stats, or for one that only timed out, the least it cost: the
    timeout and the RSS it had reached when killed."""
    if row.get(tool):
        return row[tool]
    out = [r for r in row["runs"].get(tool, []) if r["timed_out"]]
    if not out:
        return None
    return {"median": row["timeout"], "rss_mb": max(r["rss_kb"] for r in out) / 1024}


def target(row):
    """The issue's targets for this row: 'met', or what missed and by how much."""
    k, c, d = row.get("kdx"), row.get("crash"), lower_bound(row, "drgn")
    if not k:
        return "–"
    miss = []
    tmax = {"crash": 1 / 10, "drgn": 1 / 3} if row["task"] == "open-warm" else {"crash": 1, "drgn": 1}
    for name, o in (("crash", c), ("drgn", d)):
        if o is None:
            continue
        want = tmax[name] * o["median"]
        if k["median"] > want * (1 + 1e-9):  # float noise is not a miss
            miss.append(f"time vs {name}: {k['median'] / want:.2f}× the target")
    if d and k["rss_mb"] > d["rss_mb"] / 2:
        miss.append(f"RSS: {k['rss_mb'] / (d['rss_mb'] / 2):.2f}× half of drgn's")
    if row["task"] == "search" and row.get("mem_bytes"):
        gbs = row["mem_bytes"] / k["median"] / 1e9
        if gbs < 2:
            miss.append(f"search {gbs:.2f} GB/s < 2")
    return "met" if not miss else "; ".join(miss)


def table(result):
    """The Markdown tables of one harness run, one per dump set."""
    out = []
    for s in result["sets"]:
        out.append(f"### {s['name']}: {s['desc']}\n")
        out.append(f"File `{s['dump_rel']}` ({s['size_mb']:.0f} MB on disk, "
                   f"{s['mem_bytes'] / 2**30:.2f} GiB of memory described); "
                   f"large cache `{s['cache']}`; search value `{s['value']}` "
                   f"({s['value_what']}); list: {s['params']['list']['what']}, "
                   f"{s['params']['list']['count']} entries.\n")
        out.append("| task | kdx min / median, peak RSS | crash 8.0.2 | drgn 0.0.22 "
                   "| kdx vs crash | kdx vs drgn | targets |")
        out.append("|---|---|---|---|---|---|---|")
        for row in s["rows"]:
            out.append(f"| {TITLES[row['task']]} | {cell(row, 'kdx')} | {cell(row, 'crash')} "
                       f"| {cell(row, 'drgn')} | {ratio(row, 'crash')} | {ratio(row, 'drgn')} "
                       f"| {target(row)} |")
        out.append("")
        out.append("Output lines (last run) and exit codes, to show the tools did "
                   "comparable work:\n")
        out.append("| task | kdx | crash | drgn |")
        out.append("|---|---|---|---|")
        for row in s["rows"]:
            cells = []
            for t in TOOLS:
                st = row.get(t)
                cells.append(f"{st['lines']} lines, rc {st['rcs']}" if st else "–")
            out.append(f"| {TITLES[row['task']]} | " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


def header(result):
    m = result["machine"]
    v = result["versions"]
    return "\n".join([
        f"Run {result['started']} – {result['finished']} UTC, {result['elapsed_s']:.0f} s; "
        f"command `{result['command']}`.",
        "",
        f"Machine: {m['cpu']}, {m['ncpu']} CPUs, {m['mem_gb']:.0f} GB RAM, Linux "
        f"{m['kernel']}; load average {result['load_start']:.1f} at start, "
        f"{result['load_end']:.1f} at end (the machine is shared).",
        "",
        f"Versions: kdx {v['kdx']}; {v['crash']}; drgn {v['drgn']} (Python {v['python']}).",
        "",
        f"Runs per task: kdx {result['runs']['kdx']}, crash {result['runs']['crash']}, "
        f"drgn {result['runs']['drgn']}, interleaved (the tool order rotates each round), "
        "fewer where one run takes over 20 s (2) or 60 s (1), the verification of all caches "
        "once for crash and drgn; "
        f"per-run timeout {result['timeout']} s. Cold runs: kdx's index cache removed and "
        f"the page cache dropped before every run ({'done' if result['dropped'] else 'NOT possible: not root'}). "
        "Times are whole-process wall clock (startup included), "
        "min / median; RSS is the largest peak over the runs.",
        "",
    ])


def markdown(result):
    return header(result) + "\n" + table(result)


def order():
    return [t for t, _ in TASKS]
