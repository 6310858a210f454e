#!/usr/bin/env bash
# Boots the test guest under QEMU (TCG) against a vhost-user-fs backend that already listens on
# a socket. The guest mounts the share at /mnt, runs the scenario script (if given) there as
# root, and powers off. The serial console goes to stdout and to a log file. Never hangs:
# QEMU is killed at the timeout.
#
# Usage: run-guest.sh --socket PATH [options]
#   --socket PATH        the backend's vhost-user socket (required)
#   --tag TAG            virtio-fs tag (default: share)
#   --scenario FILE      shell script run by the guest's busybox sh in /mnt (default: none;
#                        the guest then lists /mnt)
#   --timeout SECONDS    kill QEMU after this long (default: 300)
#   --log FILE           console log (default: <guest cache>/last-console.log)
#   --memory SIZE        guest memory (default: 1G)
#   --smp N              guest CPUs (default: 2)
#   --queue-size N       virtqueue size (default: 1024, which gives 1 MiB requests)
#   --mount-options OPTS extra virtio-fs mount options for the guest
#   --wait-socket SECONDS  wait this long for the socket to listen (default: 60)
#   --qemu PROGRAM       the QEMU to run (default: qemu-system-x86_64; e.g. QEMU 10 from
#                        fetch-trixie.sh qemu)
#   --request-queues N   the device's num-request-queues (default: 1; a Linux 6.11+ guest
#                        spreads its requests over them by CPU)
#   --memory-backend KIND  shared (default: a memfd with share=on, as vhost-user needs),
#                        private (the memfd without share=on) or none (plain RAM): the two
#                        settings users get wrong, for tests of the daemon's diagnosis
#
# Exit status: 0 when the scenario (or the plain mount) succeeded, 1 when the scenario failed,
# 3 when the guest could not mount the share or did not finish, 124 on timeout, otherwise
# QEMU's own failure status.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${JVIRTIOFSD_GUEST_CACHE:-$repo/.cache/guest}

socket= tag=share scenario= timeout=300 log= memory=1G smp=2 queue_size=1024 mountopts= wait_socket=60
memory_backend=shared qemu=qemu-system-x86_64 request_queues=1
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit "${1:-2}"; }
while [[ $# -gt 0 ]]; do
    case "$1" in
        --socket) socket=${2?"run-guest: $1 needs a value"}; shift 2 ;;
        --tag) tag=${2?"run-guest: $1 needs a value"}; shift 2 ;;
        --scenario) scenario=${2?"run-guest: $1 needs a value"}; shift 2 ;;
        --timeout) timeout=${2?"run-guest: $1 needs a value"}; shift 2 ;;
        --log) log=${2?"run-guest: $1 needs a value"}; shift 2 ;;
        --memory) memory=${2?"run-guest: $1 needs a value"}; shift 2 ;;
        --smp) smp=${2?"run-guest: $1 needs a value"}; shift 2 ;;
        --queue-size) queue_size=${2?"run-guest: $1 needs a value"}; shift 2 ;;
        --mount-options) mountopts=${2?"run-guest: $1 needs a value"}; shift 2 ;;
        --wait-socket) wait_socket=${2?"run-guest: $1 needs a value"}; shift 2 ;;
        --memory-backend) memory_backend=${2?"run-guest: $1 needs a value"}; shift 2 ;;
        --qemu) qemu=${2?"run-guest: $1 needs a value"}; shift 2 ;;
        --request-queues) request_queues=${2?"run-guest: $1 needs a value"}; shift 2 ;;
        -h|--help) usage 0 ;;
        *) echo "run-guest: unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done
[[ -n "$socket" ]] || { echo "run-guest: --socket is required (see --help)" >&2; exit 2; }
[[ -z "$scenario" || -f "$scenario" ]] || { echo "run-guest: no such scenario: $scenario" >&2; exit 2; }
for number in "$timeout" "$wait_socket" "$smp" "$queue_size" "$request_queues"; do
    [[ "$number" =~ ^[0-9]+$ ]] || { echo "run-guest: not a number: $number" >&2; exit 2; }
done
[[ "$memory" =~ ^[0-9]+[MG]$ ]] || { echo "run-guest: memory must look like 512M or 1G: $memory" >&2; exit 2; }
case $memory_backend in
    shared) memory_args=(-object memory-backend-memfd,id=mem,size="$memory",share=on -numa node,memdev=mem) ;;
    private) memory_args=(-object memory-backend-memfd,id=mem,size="$memory",share=off -numa node,memdev=mem) ;;
    none) memory_args=() ;;
    *) echo "run-guest: --memory-backend is shared, private or none, not $memory_backend" >&2; exit 2 ;;
esac
[[ "$tag" =~ ^[A-Za-z0-9._-]{1,36}$ ]] || { echo "run-guest: bad tag: $tag" >&2; exit 2; }
[[ "$mountopts" =~ ^[A-Za-z0-9=,._-]*$ ]] || { echo "run-guest: bad mount options: $mountopts" >&2; exit 2; }
kernel=$cache/vmlinuz
base_initramfs=$cache/initramfs.cpio.gz
[[ -s "$kernel" && -s "$base_initramfs" ]] || { echo "run-guest: no guest in $cache (run build-guest.sh)" >&2; exit 2; }
log=${log:-$cache/last-console.log}

# True when a process in any network namespace listens on the socket: the backend may have
# created it inside its own namespace. Never connects (a backend serves one connection only).
socket_listens() {
    # /proc/net/unix: Num RefCount Protocol Flags Type St Inode Path; Flags 00010000 = listening
    cat /proc/net/unix /proc/[0-9]*/net/unix 2>/dev/null \
        | awk -v path="$socket" '$8 == path && $4 == "00010000" {found = 1} END {exit !found}'
}
deadline=$((SECONDS + wait_socket))
until [[ -S "$socket" ]] && socket_listens; do
    if (( SECONDS >= deadline )); then
        echo "run-guest: nothing listens on $socket after ${wait_socket}s" >&2
        exit 3
    fi
    sleep 0.1
done

work=$(mktemp -d "${TMPDIR:-/tmp}/jvfs-guest.XXXXXX")
qemu_pid=
cleanup() {
    if [[ -n "$qemu_pid" ]] && kill -0 "$qemu_pid" 2>/dev/null; then
        kill -TERM "$qemu_pid" 2>/dev/null || true
        wait "$qemu_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

# The run's initramfs: the base archive followed by a small one holding the scenario.
initramfs=$work/initramfs.img
"$here/guest-initramfs.sh" "$initramfs" ${scenario:+"$scenario"}

append="console=ttyS0 quiet panic=-1 jvfs_tag=$tag"
[[ -n "$mountopts" ]] && append+=" jvfs_mountopts=$mountopts"

: > "$log"
# Run in the background so that the traps above can stop it; timeout(1) kills QEMU at the
# deadline (and for good 10 s later if it ignores SIGTERM).
timeout -k 10 "$timeout" "$qemu" \
    -accel tcg -cpu max -m "$memory" -smp "$smp" \
    "${memory_args[@]}" \
    -chardev socket,id=char0,path="$socket" \
    -device vhost-user-fs-pci,chardev=char0,tag="$tag",queue-size="$queue_size",num-request-queues="$request_queues" \
    -kernel "$kernel" -initrd "$initramfs" -append "$append" \
    -nographic -no-reboot -vga none -nic none -monitor none \
    -chardev stdio,id=console,logfile="$log",signal=off -serial chardev:console \
    </dev/null &
qemu_pid=$!
status=0
wait "$qemu_pid" || status=$?
qemu_pid=

if [[ $status -eq 124 ]]; then
    echo "run-guest: timeout after ${timeout}s; QEMU killed" >&2
    exit 124
elif [[ $status -ne 0 ]]; then
    echo "run-guest: QEMU failed with status $status" >&2
    exit "$status"
fi
if grep -q '^JVFS-GUEST: MOUNT-FAILED' "$log" || ! grep -q '^JVFS-GUEST: MOUNTED' "$log"; then
    echo "run-guest: the guest did not mount the share" >&2
    exit 3
fi
if [[ -n "$scenario" ]]; then
    rc=$(sed -n 's/^JVFS-GUEST: SCENARIO-EXIT \([0-9]*\).*/\1/p' "$log" | tail -n 1)
    if [[ -z "$rc" ]]; then
        echo "run-guest: the scenario did not finish" >&2
        exit 3
    elif [[ "$rc" != 0 ]]; then
        echo "run-guest: the scenario failed with status $rc" >&2
        exit 1
    fi
fi
exit 0
