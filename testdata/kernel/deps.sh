#!/bin/bash
# Installs what the fixture generator and the baselines need, from Debian 12.
# Idempotent and quick when everything is present: apt runs only for what is
# missing. usage: deps.sh RELEASE   (e.g. 6.1.0-56-cloud-amd64)
set -euo pipefail
release=$1
pkgs=(qemu-system-x86 busybox-static makedumpfile kexec-tools cpio crash
      python3 python3-drgn build-essential util-linux tmux
      "linux-image-$release" "linux-headers-$release")
missing=()
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
${sudo:+$sudo -E} apt-get install -y -qq --no-install-recommends "${missing[@]}"
