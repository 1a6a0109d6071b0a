#!/bin/bash
# Builds the fixture guest's two initramfs images:
#   $KDIR/capture.cpio.gz   busybox, makedumpfile, virtio-blk modules, /init
#   $KDIR/initramfs.cpio.gz the same plus kexec, qemu_fw_cfg, kdxplant.ko,
#                           the kernel and capture.cpio.gz for kexec -p
# usage: initramfs.sh RELEASE KDIR
set -euo pipefail
release=$1 kdir=$2
here=$(cd "$(dirname "$0")" && pwd)
mods=/lib/modules/$release
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Copy a binary and the shared libraries it needs, at the same paths.
copy_bin() {
	local root=$1 bin=$2 lib
	install -D "$bin" "$root$bin"
	for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do
		install -D "$lib" "$root$lib"
	done
}

# Print a module and its dependencies in load order (dependencies first).
mod_order() {
	local m=$1 deps d
	deps=$(grep "^kernel/[^:]*/$m.ko:" "$mods/modules.dep" | cut -d: -f2)
	for d in $deps; do mod_order "$(basename "$d" .ko)"; done
	echo "$m"
}

# Copy modules into /mods and write their load order to /mods/$list.
add_mods() {
	local root=$1 list=$2 m path
	shift 2
	mkdir -p "$root/mods"
	for m in $(for x in "$@"; do mod_order "$x"; done | awk '!seen[$0]++'); do
		path=$(grep "^kernel/[^:]*/$m.ko:" "$mods/modules.dep" | cut -d: -f1)
		cp "$mods/$path" "$root/mods/"
		echo "$m.ko" >> "$root/mods/$list"
	done
}

base() {
	local root=$1
	mkdir -p "$root"/{bin,sbin,proc,sys,dev,boot,tmp}
	cp /bin/busybox "$root/bin/busybox"
	install -m 755 "$here/init.sh" "$root/init"
	copy_bin "$root" "$(command -v makedumpfile)"
	add_mods "$root" capture virtio_pci virtio_blk
}

pack() { (cd "$1" && find . | cpio -o -H newc --quiet | gzip -1) > "$2"; }

base "$work/capture"
pack "$work/capture" "$kdir/capture.cpio.gz"

base "$work/main"
copy_bin "$work/main" "$(command -v kexec)"
add_mods "$work/main" main qemu_fw_cfg
cp "$kdir/kdxplant.ko" "$work/main/kdxplant.ko"
cp "/boot/vmlinuz-$release" "$work/main/boot/vmlinuz"
cp "$kdir/capture.cpio.gz" "$work/main/boot/capture.cpio.gz"
pack "$work/main" "$kdir/initramfs.cpio.gz.tmp"
mv "$kdir/initramfs.cpio.gz.tmp" "$kdir/initramfs.cpio.gz"
