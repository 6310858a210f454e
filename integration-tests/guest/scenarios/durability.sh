#!/bin/sh
# The guest half of DurabilityGuestIT: writes two files, makes them durable (sync; dd conv=fsync),
# then asks the host to SIGKILL the daemon (HOST-REQUEST kill-daemon) and powers off at once:
# with the daemon gone the mount cannot be unmounted cleanly, and nothing more is asked of it.
# The host then checks both files hold every byte the guest saw acknowledged.

M=${JVFS_MNT:-/mnt}

seq 1 200000 > "$M/synced.txt" && sync && echo "CHECK synced PASS $(wc -c < "$M/synced.txt")" \
    || echo "CHECK synced FAIL write or sync failed"
seq 1 100000 | dd of="$M/fsynced.txt" bs=65536 conv=fsync 2>/dev/null \
    && echo "CHECK fsynced PASS" || echo "CHECK fsynced FAIL dd conv=fsync failed"
echo "CHECKS-DONE"
echo "HOST-REQUEST kill-daemon" > /dev/console
# Wait for the host to answer by killing the daemon; poweroff -n -f does not sync (a sync would
# wait forever on the dead mount).
sleep 10
# The guest's init never gets to report the end of the scenario (it would unmount first): say it here.
echo "JVFS-GUEST: SCENARIO-EXIT 0" > /dev/console
poweroff -n -f
