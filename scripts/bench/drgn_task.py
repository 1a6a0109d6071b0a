#!/usr/bin/python3
"""One benchmark task done the drgn 0.0.22 way; output on stdout, one item a line.

  drgn_task.py TASK DUMP VMLINUX [ARG...]

  open                        load, then read init_uts_ns.name.release
  slabinfo                    per cache: slabs, objects, in use (counters and
                              partial lists, as crash's `kmem -s` does)
  check-one CACHE             every allocated object of one cache
                              (slab_cache_for_each_allocated_object)
  check-all                   the same for every cache
  list HEAD OFFSET            list_for_each_entry from HEAD (an address),
                              entries printed as HEAD's container address
  search VALUE                every 8-byte-aligned occurrence of VALUE in
                              physical memory: a Python loop over prog.read
                              of each PT_LOAD in 64 MiB chunks
  bt-all                      prog.stack_trace of every task
  params KO [LISTDIR]         (setup, not timed) addresses the tasks need

drgn 0.0.22 has no slab_cache_usage and no memory search; the loops here are
the nearest a drgn user writes, kept plain on purpose.
"""
import json
import struct
import sys

import drgn
from dumpinfo import pt_loads
from drgn import Object, cast
from drgn.helpers.linux.list import list_for_each
from drgn.helpers.linux.pid import for_each_task
from drgn.helpers.linux.slab import (find_slab_cache, for_each_slab_cache,
                                     slab_cache_for_each_allocated_object)

CHUNK = 64 << 20


def load(dump, vmlinux, extra=()):
    prog = drgn.Program()
    prog.set_core_dump(dump)
    prog.load_debug_info([vmlinux, *extra])
    return prog


def t_open(prog):
    print(prog["init_uts_ns"].name.release.string_().decode())


def partial_free(prog, head):
    """Free objects on one slab list (struct slab linked by slab_list)."""
    free, n = 0, 0
    for pos in list_for_each(head):
        s = drgn.container_of(pos, "struct slab", "slab_list")
        free += int(s.objects) - int(s.inuse)
        n += 1
    return free, n


def t_slabinfo(prog):
    nodes = int(prog["nr_node_ids"]) if "nr_node_ids" in prog else 1
    for c in for_each_slab_cache(prog):
        slabs = objs = free = 0
        for i in range(nodes):
            node = c.node[i]
            if not node:
                continue
            slabs += int(node.nr_slabs.counter)
            objs += int(node.total_objects.counter)
            f, _ = partial_free(prog, node.partial.address_of_())
            free += f
        print(f"{c.name.string_().decode()} {int(c.size)} {slabs} {objs} {objs - free}")


def t_check(prog, caches):
    for c in caches:
        n = 0
        for _ in slab_cache_for_each_allocated_object(c, "void"):
            n += 1
        print(f"{c.name.string_().decode()} {n}")


def t_list(prog, head, offset):
    n = 0
    for pos in list_for_each(Object(prog, "struct list_head *", value=head)):
        print(hex(pos.value_() - offset))
        n += 1


def t_search(prog, dump, value):
    needle = struct.pack("<Q", value)
    seen = set()
    loads = pt_loads(dump)
    if not loads:
        raise SystemExit(f"{dump}: the search task needs an ELF dump")
    for paddr, size in loads:
        if paddr in seen:
            continue
        seen.add(paddr)
        for at in range(paddr, paddr + size, CHUNK):
            n = min(CHUNK, paddr + size - at)
            try:
                buf = prog.read(at, n, True)
            except drgn.FaultError:
                continue
            i = buf.find(needle)
            while i >= 0:
                if (at + i) % 8 == 0:
                    print(hex(at + i))
                i = buf.find(needle, i + 1)


def t_bt_all(prog):
    for task in for_each_task(prog):
        try:
            trace = prog.stack_trace(task)
        except (ValueError, drgn.FaultError) as e:
            print(f"pid {int(task.pid)}: {e}")
            continue
        print(f"pid {int(task.pid)} {task.comm.string_().decode()}")
        print(trace)


def t_params(dump, vmlinux, ko, listdir):
    """Addresses for the list task, found once before any timing."""
    prog = load(dump, vmlinux, [ko])
    out = {"release": prog["init_uts_ns"].name.release.string_().decode()}
    if listdir:
        from drgn.helpers.linux.fs import path_lookup
        d = path_lookup(prog, listdir).dentry
        n = sum(1 for _ in list_for_each(d.d_subdirs.address_of_()))
        out["list"] = {"what": f"d_subdirs of the dentry of {listdir} (struct dentry.d_child)",
                       "head": hex(d.d_subdirs.address_of_().value_()),
                       "type": "dentry", "member": "d_child", "module_type": False,
                       "offset": drgn.offsetof(prog.type("struct dentry"), "d_child"),
                       "count": n}
    else:
        head = prog["kdx_objs"].address_of_()
        n = sum(1 for _ in list_for_each(head))
        out["list"] = {"what": "kdx_objs (struct kdx_obj.link, module kdxplant)",
                       "head": hex(head.value_()), "type": "kdx_obj", "member": "link",
                       "module_type": True,
                       "offset": drgn.offsetof(prog.type("struct kdx_obj"), "link"),
                       "count": n}
    json.dump(out, sys.stdout, indent=1)
    print()


def main():
    task, dump, vmlinux, *rest = sys.argv[1:]
    if task == "params":
        return t_params(dump, vmlinux, rest[0], rest[1] if len(rest) > 1 else "")
    prog = load(dump, vmlinux)
    if task == "open":
        t_open(prog)
    elif task == "slabinfo":
        t_slabinfo(prog)
    elif task == "check-one":
        t_check(prog, [find_slab_cache(prog, rest[0])])
    elif task == "check-all":
        t_check(prog, list(for_each_slab_cache(prog)))
    elif task == "list":
        t_list(prog, int(rest[0], 0), int(rest[1], 0))
    elif task == "search":
        t_search(prog, dump, int(rest[0], 0))
    elif task == "bt-all":
        t_bt_all(prog)
    else:
        raise SystemExit(f"drgn_task.py: unknown task {task!r}")


if __name__ == "__main__":
    main()
