#!/bin/busybox sh
# /init of the fixture guest, in both roles: the kernel that plants state
# (and is dumped by QEMU), and the kdump capture kernel (/proc/vmcore exists)
# that writes the capture-family dumps to raw virtio disks. "KDX:" lines on
# the console are the protocol with testdata/kernel/gen.py.
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev

say() { echo "KDX: $*"; }
load() { for m in $(cat "/mods/$1"); do insmod "/mods/$m" || say "FAILED insmod $m"; done; }
arg() { for x in $(cat /proc/cmdline); do case $x in "$1"=*) echo "${x#*=}";; esac; done; }

capture() {
	load capture
	i=0
	while [ ! -b /dev/vdc ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	say "CAPTURE-START $(stat -c %s /proc/vmcore)"
	dd if=/proc/vmcore of=/dev/vda bs=1M 2>/dev/null || say "FAILED dd"
	say "CAPTURE proc-vmcore.elf"
	makedumpfile -F -c -d 31 /proc/vmcore > /dev/vdb || say "FAILED makedumpfile -c"
	say "CAPTURE kdump-c31.flat"
	makedumpfile -F -l -d 31 /proc/vmcore > /dev/vdc || say "FAILED makedumpfile -l"
	say "CAPTURE kdump-l31.flat"
	sync
	say "CAPTURE-DONE"
	poweroff -f
}

[ -e /proc/vmcore ] && capture

S=$(arg kdx.scenario)
if [ "$S" = probe ]; then say "PROBE-OK"; poweroff -f; fi
load main
[ -e /sys/firmware/qemu_fw_cfg/rev ] || say "FAILED qemu_fw_cfg"
kexec -p /boot/vmlinuz --initrd=/boot/capture.cpio.gz \
	--append="console=ttyS0 nr_cpus=1 reset_devices irqpoll panic=1 oops=panic no_timer_check" \
	&& say "KEXEC-LOADED" || say "FAILED kexec"
hold=
[ "$S" = panic ] && hold=hold=1
insmod /kdxplant.ko scenario="$S" $hold && say "READY" || say "FAILED kdxplant"
# Commands from the host, one a line.
while read -r cmd; do
	case "$cmd" in
	crash) sh -c "echo 1 > /sys/module/kdxplant/parameters/crash" ;;
	sysrq) echo c > /proc/sysrq-trigger ;;
	esac
done < /dev/console
