#!/bin/busybox sh
# PID 1 of the course's guest kernel (packed into the initramfs by tools/vm/initramfs.ts).
#
# It starts the guest agent (tools/vm/agent.ts) from /image, the initramfs's copy of the
# host's Node, and waits. Nothing from the host is mounted yet: a booted guest in this
# state can be saved and restored (tools/vm/snapshot.ts). Each run then asks the agent to
# attach the host's filesystem (kernel/vm/attach.sh). The agent's jobs and results travel
# over a virtio-serial port; this console carries the kernel log.
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

# The initramfs root cannot be pivoted away later; a bind mount of /image can.
mount --bind /image /image || die "cannot bind-mount the guest image"
mount --move /proc /image/proc
mount --move /sys /image/sys
mount --move /dev /image/dev
[ -d /image/sys/kernel/debug ] && mount -t debugfs debugfs /image/sys/kernel/debug 2>/dev/null

# The guest has no network on purpose; loopback only, for tools that expect it.
ip link set lo up 2>/dev/null

node=$(sed -n 's/.*nlwb.node=\([^ ]*\).*/\1/p' /image/proc/cmdline)
echo "nlwb-init: starting the guest agent"
HOME=/root NLWB_GUEST=1 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin chroot /image "$node" /nlwb/agent.mjs
echo "nlwb-init: guest agent exited with status $?"
poweroff -f
