#!/usr/bin/env bash
# A private libvirt for LibvirtGuestIT: the libvirtd and virtlogd of the installed Debian
# packages (libvirt-daemon-system), started by hand as root (there is no systemd here), in mount
# and pid namespaces of their own, so that the host's libvirt configuration, state and logs stay
# as they are and nothing outlives the run:
#   /etc, /usr, /var  overlays whose changes land in STATE/{etc,usr,var}/upper (kept to inspect)
#   /usr              also shows PACKAGE_ROOT/usr (an extracted .deb) as if it were installed
#   /run              an empty tmpfs
# libvirtd logs the virtiofs start and stop, and the commands it runs, to
# /var/log/libvirt/libvirtd.log (STATE/var/upper/log/libvirt/libvirtd.log).
#
# The script runs as PID 1 of the pid namespace: when it ends, the kernel ends whatever is left
# in it (QEMU, a virtiofsd); so does the end of its parent, unshare. On SIGTERM it destroys the
# running domains, stops libvirtd and virtlogd (by pid) and exits 0. It prints READY once libvirtd
# answers; from outside, libvirtd's socket is /proc/PID/root/run/libvirt/libvirt-sock, PID being
# this script's pid on the host (the child of unshare).
#
# Usage: private-libvirt.sh STATE [PACKAGE_ROOT]
set -euo pipefail

if [[ "${1:-}" != --inside ]]; then
    [[ $# -ge 1 && $# -le 2 ]] || { echo "usage: private-libvirt.sh STATE [PACKAGE_ROOT]" >&2; exit 2; }
    [[ $(id -u) -eq 0 ]] || { echo "private-libvirt: needs root" >&2; exit 2; }
    for program in libvirtd virtlogd virsh; do
        command -v "$program" >/dev/null || { echo "private-libvirt: no $program (run setup-host.sh)" >&2; exit 2; }
    done
    exec unshare --mount --propagation private --pid --fork --mount-proc --kill-child -- "$0" --inside "$@"
fi
shift
state=$(readlink -f "$1")
package=${2:+$(readlink -f "$2")}

lower_usr=/usr
[[ -z "$package" ]] || lower_usr=$package/usr:/usr
for dir in etc usr var; do
    mkdir -p "$state/$dir/upper" "$state/$dir/work"
done
mount -t overlay overlay -o "lowerdir=/etc,upperdir=$state/etc/upper,workdir=$state/etc/work" /etc
mount -t overlay overlay -o "lowerdir=$lower_usr,upperdir=$state/usr/upper,workdir=$state/usr/work" /usr
mount -t overlay overlay -o "lowerdir=/var,upperdir=$state/var/upper,workdir=$state/var/work" /var
mount -t tmpfs -o mode=0755 tmpfs /run

cat >> /etc/libvirt/libvirtd.conf <<'CONF'

# LibvirtGuestIT: the virtiofs life cycle and every command run, in a log of its own.
log_filters="1:qemu.virtiofs 1:util.command 1:util.pidfile 1:util.process"
log_outputs="1:file:/var/log/libvirt/libvirtd.log"
CONF

# libvirt makes its cgroups under a "machine" group of each controller, and leaves that group
# behind: those it made are removed at the end.
made_cgroups=()
for controller in /sys/fs/cgroup/*/; do
    [[ -e "${controller}machine" ]] || made_cgroups+=("${controller}machine")
done

virtlogd &
virtlogd_pid=$!
libvirtd &
libvirtd_pid=$!

stop() {
    trap '' TERM INT HUP
    for domain in $(virsh -q -c qemu:///system list --name 2>/dev/null); do
        virsh -q -c qemu:///system destroy "$domain" >/dev/null 2>&1 || true
    done
    kill -TERM "$libvirtd_pid" 2>/dev/null || true
    wait "$libvirtd_pid" 2>/dev/null || true
    kill -TERM "$virtlogd_pid" 2>/dev/null || true
    wait "$virtlogd_pid" 2>/dev/null || true
    for group in "${made_cgroups[@]}"; do
        rmdir "$group" 2>/dev/null || true
    done
    exit "${1:-0}"
}
trap stop TERM INT HUP

tries=0
until virsh -q -c qemu:///system version >/dev/null 2>&1; do
    tries=$((tries + 1))
    if ! kill -0 "$libvirtd_pid" 2>/dev/null || (( tries > 1200 )); then
        echo "private-libvirt: libvirtd did not come up" >&2
        stop 1
    fi
    sleep 0.1
done
echo READY

# Until stopped; orphans of the namespace (QEMU, the virtiofsd) are reaped here, as PID 1 must.
while :; do
    wait "$libvirtd_pid" || true
    if ! kill -0 "$libvirtd_pid" 2>/dev/null; then
        echo "private-libvirt: libvirtd exited" >&2
        stop 1
    fi
done
