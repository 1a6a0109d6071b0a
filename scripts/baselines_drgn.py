#!/usr/bin/python3
"""drgn's view of one fixture dump, as JSON on stdout (for baselines.sh).

  baselines_drgn.py open DUMP VMLINUX KO        can drgn load it?
  baselines_drgn.py find DUMP VMLINUX KO TRUTH  what its helpers say about
                                                the planted state
Every probe records its result or its exception (lines joined by " / "); a probe
never stops the others.
"""
import json
import sys
import time

import drgn
from drgn import Object
from drgn.helpers.linux.list import list_for_each_entry, validate_list
from drgn.helpers.linux.slab import (find_slab_cache, slab_cache_for_each_allocated_object,
                                     slab_object_info)

LIMIT = 2_000_000  # bound every walk: the lists may cycle


def load(dump, vmlinux, ko):
    prog = drgn.Program()
    prog.set_core_dump(dump)
    prog.load_debug_info([vmlinux, ko])
    return prog


def probe(fn):
    t = time.time()
    try:
        res = {"ok": True, "result": fn()}
    except Exception as e:  # noqa: BLE001 -- any failure is the answer
        msg = " / ".join(l.strip() for l in str(e).splitlines() if l.strip())
        res = {"ok": False, "error": f"{type(e).__name__}: {msg}"[:300]}
    res["seconds"] = round(time.time() - t, 2)
    return res


def count_objects(prog, cache, type_):
    c = find_slab_cache(prog, cache)
    if c is None:
        return "cache not found"
    n = 0
    for _ in slab_cache_for_each_allocated_object(c, type_):
        n += 1
        if n > LIMIT:
            return f">{LIMIT} (stopped)"
    return n


def walk(prog, head, type_, member):
    n = 0
    for _ in list_for_each_entry(type_, prog[head].address_of_(), member):
        n += 1
        if n > LIMIT:
            return f">{LIMIT} (stopped)"
    return n


def validate(prog, head):
    validate_list(prog[head].address_of_())  # raises ValidationError
    return "valid"


def info(prog, addr):
    i = slab_object_info(prog, addr)
    if i is None:
        return None
    return {"cache": i.slab_cache.name.string_().decode(), "address": hex(i.address),
            "allocated": i.allocated}


def find(prog, truth):
    out = {
        "kdx_obj allocated objects": probe(lambda: count_objects(prog, "kdx_obj", "struct kdx_obj")),
        "kdx_list walk": probe(lambda: walk(prog, "kdx_list", "struct kdx_node", "link")),
        "kdx_list validate_list": probe(lambda: validate(prog, "kdx_list")),
        "kdx_cycle walk": probe(lambda: walk(prog, "kdx_cycle", "struct kdx_node", "link")),
        "kdx_cycle validate_list": probe(lambda: validate(prog, "kdx_cycle")),
        "kdx_objs validate_list": probe(lambda: validate(prog, "kdx_objs")),
        "crashed thread": probe(lambda: [str(f.name) for f in prog.crashed_thread().stack_trace()][:12]),
    }
    if truth["scenario"] == "leak":
        out["kmalloc-256 allocated objects"] = probe(
            lambda: count_objects(prog, "kmalloc-256", "void"))
    for c in truth["corruptions"]:
        for key in ("object", "slab", "node"):
            if key in c and key != "slab":
                a = int(c[key], 16)
                out[f"slab_object_info({c['kind']} {key} {c[key]})"] = probe(lambda a=a: info(prog, a))
        if c["kind"] == "bitflip":
            a = int(c["planted"], 16)
            out[f"slab_object_info(bitflip {c['field']} -> {c['planted']})"] = probe(
                lambda a=a: info(prog, a))
    for s in truth["samples"]:
        if "cache" in s:
            a = int(s["addr"], 16)
            out[f"slab_object_info({s['kind']} sample)"] = probe(lambda a=a: info(prog, a))
    return out


def main():
    mode, dump, vmlinux, ko = sys.argv[1:5]
    t = time.time()
    progs = []
    res = {"load": probe(lambda: progs.append(load(dump, vmlinux, ko)) or "loaded")}
    if progs:
        prog = progs[0]
        res["uts release"] = probe(lambda: prog["init_uts_ns"].name.release.string_().decode())
        if mode == "find":
            res.update(find(prog, json.load(open(sys.argv[5]))))
    res["total seconds"] = round(time.time() - t, 2)
    json.dump(res, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
