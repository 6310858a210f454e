#!/bin/sh
# Guest side of demo.sh: look at the share, read the host's file, write one back.
M=${JVFS_MNT:-/mnt}

echo "--- mounted (mount -t virtiofs share $M):"
grep " $M " /proc/mounts
echo "--- ls -la $M"
ls -la "$M"
echo "--- cat $M/hello-from-host.txt"
cat "$M/hello-from-host.txt" || exit 1
echo "--- writing $M/hello-from-guest.txt"
echo "Hello from the guest: $(uname -sr), written at $(date -u '+%Y-%m-%d %H:%M:%S') UTC" > "$M/hello-from-guest.txt" || exit 1
mkdir -p "$M/made-by-guest" && seq 1 5 > "$M/made-by-guest/numbers.txt" || exit 1
sync
cat "$M/hello-from-guest.txt"
