#!/bin/bash
# Writes the vmlinux with DWARF of the installed linux-image-RELEASE to OUT,
# taken from the matching -dbg package (~280 MB) without installing it:
# apt-get download, then only the vmlinux out of the data tarball.
# $DBG_DEB names an already downloaded .deb. usage: vmlinux.sh RELEASE OUT
set -euo pipefail
release=$1 out=$2
member=./usr/lib/debug/boot/vmlinux-$release
if [ -f "/usr/lib/debug/boot/vmlinux-$release" ]; then
	cp "/usr/lib/debug/boot/vmlinux-$release" "$out.tmp"
	mv "$out.tmp" "$out"
	exit 0
fi
deb=${DBG_DEB:-}
if [ -z "$deb" ]; then
	version=$(dpkg-query -W -f='${Version}' "linux-image-$release")
	dir=$(mktemp -d)
	trap 'rm -rf "$dir"' EXIT
	chown _apt "$dir" 2>/dev/null || true # apt's sandbox user downloads into it
	(cd "$dir" && apt-get download -q "linux-image-$release-dbg=$version")
	deb=$(echo "$dir"/*.deb)
fi
dpkg-deb --fsys-tarfile "$deb" | tar -xO "$member" > "$out.tmp"
mv "$out.tmp" "$out"
