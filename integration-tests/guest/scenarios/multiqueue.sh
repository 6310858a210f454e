#!/bin/sh
# Guest side of MultiQueueGuestIT: one writer pinned to each CPU, so that a Linux 6.11+ guest
# sends each one's requests on the request queue of its CPU (/sys/fs/virtiofs/N/mqs/*/cpu_list).
# Prints the queues the guest made, then "MQ-WRITER cpuC ok|failed" for each writer.
M=${JVFS_MNT:-/mnt}
cpus=$(nproc)
for fs in /sys/fs/virtiofs/*; do
    [ -d "$fs/mqs" ] || continue
    for q in "$fs"/mqs/*; do
        echo "MQ-QUEUE $(basename "$q") cpus=$(cat "$q/cpu_list")"
    done
done
echo "MQ-CPUS $cpus"
c=0
while [ $c -lt "$cpus" ]; do
    taskset -c $c sh -c '
        d=$1/cpu$2; mkdir -p "$d" || exit 1
        i=0
        while [ $i -lt 200 ]; do
            echo "cpu$2 file $i" > "$d/f$i" || exit 1
            i=$((i + 1))
        done
        i=0
        while [ $i -lt 200 ]; do
            [ "$(cat "$d/f$i")" = "cpu$2 file $i" ] || exit 1
            i=$((i + 1))
        done
    ' writer "$M" $c && echo "MQ-WRITER cpu$c ok" || echo "MQ-WRITER cpu$c failed" &
    c=$((c + 1))
done
wait
echo "MQ-DONE"
