#!/bin/sh
# The guest half of QemuDeathGuestIT: keeps requests in flight on the share (writers with
# fsync, readers, listings), then asks the host to SIGKILL QEMU while they run.

M=${JVFS_MNT:-/mnt}
for w in 1 2 3 4; do
    (
        while :; do
            dd if=/dev/zero of="$M/load-$w" bs=65536 count=64 conv=fsync 2>/dev/null
            cat "$M/load-$w" > /dev/null
            ls -l "$M" > /dev/null
        done
    ) &
done
sleep 3
echo "CHECK load-running PASS $(ls "$M" | wc -l) files"
echo "HOST-REQUEST kill-qemu" > /dev/console
sleep 120
echo "CHECK qemu-killed FAIL the guest is still running"
