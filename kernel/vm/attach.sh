#!/bin/busybox sh
# Gives a running (possibly just restored) guest the host's filesystem: read-only over
# virtio-9p with a tmpfs overlay on top, so the guest may write without touching the
# host. pivot_root moves every process rooted in the image, the agent, its warm worker
# and the pre-started CLIs included, onto that view; the image stays under IMAGE-DIR.
# Run by the agent with the image's busybox: attach.sh UNIX-TIME IMAGE-DIR
set -e
image=$2
busybox() { /bin/busybox "$@"; }

# A restored guest's clock is the one it was saved with.
[ -n "$1" ] && busybox date -s "@$1" >/dev/null

busybox mkdir -p /mnt/host /mnt/rw /mnt/root
# cache=loose: the guest never writes the host root, so caching host files is safe and
# makes starting programs from it (Node is 95 MB) much faster.
busybox mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /mnt/host
busybox mount -t tmpfs -o size=1g tmpfs /mnt/rw
busybox mkdir -p /mnt/rw/upper /mnt/rw/work
busybox mount -t overlay -o lowerdir=/mnt/host,upperdir=/mnt/rw/upper,workdir=/mnt/rw/work overlay /mnt/root
# /tmp stays the host's (read-only below, writable through the overlay): a clone of
# the course may itself live under /tmp.
busybox mount -t tmpfs tmpfs /mnt/root/run
busybox mkdir -p "/mnt/root$image"
for fs in proc sys dev; do busybox mount --move "/$fs" "/mnt/root/$fs"; done
cd /mnt/root
busybox pivot_root . "${image#/}"
busybox() { "$image/bin/busybox" "$@"; }

# Node and its libraries run from the image's memory, not page by page over 9p: every
# Node the tests start is much faster. They are the host's own files, so nothing changes.
while read -r file; do
	busybox mount --bind "$image$file" "$file"
done < "$image/nlwb/host-files"
