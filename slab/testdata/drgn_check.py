import json, sys, time
import drgn
from drgn.helpers.linux.slab import find_slab_cache, slab_cache_for_each_allocated_object
from drgn.helpers.linux.list import validate_list, list_for_each

dump, vmlinux, ko, heads = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
out = {}
t0 = time.time()
prog = drgn.Program()
prog.set_core_dump(dump)
prog.load_debug_info([vmlinux, ko])
out["load_s"] = round(time.time() - t0, 3)
t0 = time.time()
try:
    n = 0
    for _ in slab_cache_for_each_allocated_object(find_slab_cache(prog, "kdx_obj"), "struct kdx_obj"):
        n += 1
    out["kdx_obj_allocated"] = n
except Exception as e:
    out["kdx_obj_error"] = "%s: %s" % (type(e).__name__, e)
out["slab_walk_s"] = round(time.time() - t0, 3)
for h in heads:
    head = prog.variable(h).address_of_()
    try:
        validate_list(head)
        out["validate_list " + h] = "ok"
    except Exception as e:
        out["validate_list " + h] = "%s: %s" % (type(e).__name__, e)
print(json.dumps(out))
