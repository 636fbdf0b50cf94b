#!/bin/busybox sh
# PID 1 of the course's guest kernel (packed into the initramfs by tools/vm/initramfs.ts).
#
# It mounts the host's root filesystem read-only over virtio-9p, puts a tmpfs overlay on
# top so the guest may write without touching the host, and hands over to the guest agent
# (tools/vm/agent.ts) running on the host's own Node inside that root. The agent receives
# jobs and returns results over a virtio-serial port; this console carries the kernel log.
/bin/busybox --install -s /bin
export PATH=/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

die() {
	echo "nlwb-init: $*" >&2
	echo "nlwb-init: FATAL"
	poweroff -f
}

# Debian builds virtio, 9p and overlayfs as modules; the list is in dependency order.
for module in $(cat /modules.order); do
	insmod "/modules/$module.ko" || die "insmod $module failed"
done

mkdir -p /host /rw /root
# cache=loose: the guest never writes the host root and jobs arrive over the control
# port, so caching host files is safe and makes start-up (node is 95 MB) much faster.
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /host || die "cannot mount the host filesystem over 9p"
mount -t tmpfs -o size=1g tmpfs /rw || die "cannot mount tmpfs"
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/host,upperdir=/rw/upper,workdir=/rw/work overlay /root || die "cannot mount the overlay"

mount --move /proc /root/proc
mount --move /sys /root/sys
mount --move /dev /root/dev
# /tmp stays the host's (read-only below, writable through the overlay): a clone of
# the course may itself live under /tmp.
mount -t tmpfs tmpfs /root/run
[ -d /root/sys/kernel/debug ] && mount -t debugfs debugfs /root/sys/kernel/debug 2>/dev/null

# The guest has no network on purpose; loopback only, for tools that expect it.
ip link set lo up 2>/dev/null

# Everything after this line comes from the kernel command line (set by tools/vm/qemu.ts).
agent=$(sed -n 's/.*nlwb.agent=\([^ ]*\).*/\1/p' /root/proc/cmdline)
node=$(sed -n 's/.*nlwb.node=\([^ ]*\).*/\1/p' /root/proc/cmdline)
echo "nlwb-init: starting the guest agent"
HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin chroot /root "$node" "$agent"
echo "nlwb-init: guest agent exited with status $?"
poweroff -f
