"""The three tools' commands for each benchmark task.

Every task is one fresh process per run, for every tool: that is how each is
used from a shell, and it charges each tool its own startup (crash's gdb
reading the DWARF, drgn's libdwfl, kdx's index). The tools work on the same
file and the same addresses; only the spelling differs.
"""
import os
import subprocess

# id, title, kind ("open" tasks are cold or warm; the rest run warm).
TASKS = [
    ("open-cold", "open to first answer, cold"),
    ("open-warm", "open to first answer, warm"),
    ("slabinfo", "slab summary of all caches"),
    ("check-one", "verify one large cache"),
    ("check-all", "verify all caches"),
    ("list", "list walk"),
    ("search", "search all memory for one pointer"),
    ("search-k", "the same, crash's search -k (kernel virtual)"),
    ("bt-all", "backtrace of every task"),
]
TITLES = dict(TASKS)
TOOLS = ("kdx", "crash", "drgn")


def kdx_commands(kdx):
    """The commands this kdx binary has (from its --help), so that a row of a
    command not yet built says so instead of failing."""
    try:
        out = subprocess.run([kdx, "--help"], capture_output=True, text=True, timeout=30)
    except OSError:
        return set()
    text = out.stdout + out.stderr
    cmds, inside = set(), False
    for line in text.splitlines():
        if line.startswith("Commands:"):
            inside = True
        elif inside and line.startswith("  ") and line.split():
            cmds.add(line.split()[0])
        elif inside and line.strip() and not line.startswith(" "):
            inside = False
    return cmds


def kdx_argv(task, s):
    """kdx's command for task on dump set s; None if it has no such command."""
    d, v = s["dump"], s["vmlinux"]
    lst = s["params"]["list"]
    # kdx finds a module's types only with --mod-path, and (as of this
    # writing) not for list entries: a module's list is walked as bare nodes.
    typed = [] if lst.get("module_type") else ["--type", f"struct {lst['type']}",
                                                "--member", lst["member"]]
    return {
        "open-cold": ["sys", d, v],
        "open-warm": ["sys", d, v],
        "slabinfo": ["slabinfo", d, v],
        "check-one": ["check", "--cache", s["cache"], d, v],
        "check-all": ["check", d, v],
        "list": ["list", "--head", lst["head"], *typed, "--max", "10000000", d, v],
        "search": ["search", "--value", s["value"], d, v],
        "search-k": None,
        "bt-all": ["bt", "-a", d, v],
    }[task]


def crash_commands(task, s):
    """The crash(8) commands, fed on stdin to `crash -s VMLINUX DUMP`."""
    lst = s["params"]["list"]
    return {
        "open-cold": ["sys"],
        "open-warm": ["sys"],
        "slabinfo": ["kmem -s"],
        "check-one": [f"kmem -S {s['cache']}"],
        "check-all": ["kmem -S"],
        "list": [f"list -H {lst['head']} -o {lst['offset']}"],
        "search": [f"search -p {s['value']}"],
        "search-k": [f"search -k {s['value']}"],
        "bt-all": ["foreach bt"],
    }[task]


def drgn_args(task, s):
    lst = s["params"]["list"]
    return {
        "open-cold": ["open"],
        "open-warm": ["open"],
        "slabinfo": ["slabinfo"],
        "check-one": ["check-one", s["cache"]],
        "check-all": ["check-all"],
        "list": ["list", lst["head"], str(lst["offset"])],
        "search": ["search", s["value"]],
        "search-k": None,
        "bt-all": ["bt-all"],
    }[task]


def argv(tool, task, s, cfg, workdir):
    """(argv, stdin file or None) for one run."""
    if tool == "kdx":
        return [cfg["kdx"], *kdx_argv(task, s)], None
    if tool == "crash":
        path = os.path.join(workdir, f"crash-{task}.in")
        with open(path, "w") as f:
            f.write("\n".join(crash_commands(task, s) + ["quit", ""]))
        return ["crash", "-s", s["vmlinux"], s["dump"]], path
    script = os.path.join(cfg["here"], "drgn_task.py")
    a = drgn_args(task, s)
    return [cfg["python"], script, a[0], s["dump"], s["vmlinux"], *a[1:]], None


# Tasks only some tools run: crash's search -k walks the kernel's virtual
# address space (direct map, vmalloc, vmemmap, image), a different job from
# the physical scans of kdx and drgn; it is timed for reference.
ONLY = {"search-k": ("crash",)}
OK_RC = {"kdx": (0, 1), "crash": (0,), "drgn": (0,)}  # kdx: 1 means findings


def runs_tool(task, tool):
    return tool in ONLY.get(task, TOOLS)


def kdx_has(task, cmds):
    if not runs_tool(task, "kdx"):
        return False
    return kdx_argv(task, {"dump": "", "vmlinux": "", "cache": "", "value": "",
                           "params": {"list": {"type": "", "member": "", "head": "",
                                               "offset": 0}}})[0] in cmds
