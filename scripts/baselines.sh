#!/bin/bash
# Records what crash(8) and drgn say about every fixture dump and writes
# docs/baselines.md. Raw outputs go to $OUT/baselines/ (not committed).
#   - opens: every format of the clean scenario, with crash `sys` and drgn's
#     program load plus a read of init_uts_ns;
#   - findings: per scenario, on proc-vmcore.elf (the format both open),
#     crash's kmem/list/bt and drgn's slab and list helpers.
# usage: scripts/baselines.sh   (after make fixtures)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${KDX_FIXTURES:-$root/testdata/dumps}
release=$(awk -F'"' '/^const Release/ {print $2}' "$root/internal/fixture/fixture.go")
vmlinux=$out/kernel/vmlinux-$release
ko=$out/kernel/kdxplant.ko
raw=$out/baselines
rm -rf "$raw" && mkdir -p "$raw"
scenarios=(clean freelist slabmeta list leak bitflip panic)
formats=(elf elf-virt kdump-zlib.flat kdump-zlib kdump-snappy kdump-zstd
	proc-vmcore.elf kdump-c31.flat kdump-c31 kdump-l31)

# crash_run DUMP DIR CMD...: runs crash once; command i's output in DIR/i.
crash_run() {
	local dump=$1 dir=$2 i=0 c
	shift 2
	mkdir -p "$dir"
	{
		echo "mod -s kdxplant $ko"
		for c in "$@"; do
			echo "$c > $dir/$i"
			i=$((i + 1))
		done
		echo quit
	} > "$dir/input"
	printf '%s\n' "$@" > "$dir/commands"
	local t=$(date +%s.%N)
	timeout 600 crash -s "$vmlinux" "$dump" -i "$dir/input" > "$dir/stdout" 2>&1 < /dev/null \
		&& echo 0 > "$dir/status" || echo $? > "$dir/status"
	awk -v a="$(date +%s.%N)" -v b="$t" 'BEGIN { printf "%.1f\n", a - b }' > "$dir/seconds"
}

for f in "${formats[@]}"; do
	d=$out/clean/$f
	[ -f "$d" ] || continue
	echo "baselines: opens: $f"
	crash_run "$d" "$raw/open/crash/$f" "sys"
	/usr/bin/python3 "$root/scripts/baselines_drgn.py" open "$d" "$vmlinux" "$ko" \
		> "$raw/open/drgn-$f.json" 2>&1 || true
done

for s in "${scenarios[@]}"; do
	d=$out/$s/proc-vmcore.elf
	[ -f "$d" ] || continue
	echo "baselines: findings: $s"
	# kmem ADDR on what each corruption damaged: what does crash call it?
	mapfile -t whatis < <(/usr/bin/python3 -c '
import json, sys
for c in json.load(open(sys.argv[1]))["corruptions"]:
    for k in ("object", "node", "slab"):
        if k in c:
            print("kmem " + c[k]); break' "$out/$s/truth.json")
	crash_run "$d" "$raw/find/crash/$s" "${whatis[@]}" \
		"sys" \
		"kmem -s kdx_obj" \
		"kmem -S kdx_obj" \
		"list -H kdx_list -o kdx_node.link" \
		"list -r -H kdx_list -o kdx_node.link" \
		"list -H kdx_cycle -o kdx_node.link" \
		"list -H kdx_objs -o kdx_obj.link" \
		"kmem -s kmalloc-256" \
		"bt"
	/usr/bin/python3 "$root/scripts/baselines_drgn.py" find "$d" "$vmlinux" "$ko" \
		"$out/$s/truth.json" > "$raw/find/drgn-$s.json" 2>&1 || true
done

/usr/bin/python3 "$root/scripts/baselines_report.py" "$raw" "$out" > "$root/docs/baselines.md"
echo "baselines: wrote docs/baselines.md"
