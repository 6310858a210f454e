#!/usr/bin/env bash
# jvirtiofsd in one command, on a fresh Debian 12 machine: sets up the host, builds the daemon
# and a small test guest, shares a directory with the guest through jvirtiofsd, lets the guest
# list it, read the host's file and write one of its own, then shows the host's view.
#
# Environment:
#   DEMO_DAEMON=qemu-c    serve the share with QEMU's C virtiofsd instead of jvirtiofsd
#   DEMO_KEEP=1           keep the shared directory and the logs afterwards
#   BUILD_DIR_NAME=NAME   Maven build directory name (default: target)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
repo=$(pwd)

bold= plain=
if [[ -t 1 ]]; then
    bold=$(tput bold 2>/dev/null || true)
    plain=$(tput sgr0 2>/dev/null || true)
fi
step() { printf '\n%s==> %s%s\n' "$bold" "$*" "$plain"; }

build_dir=${BUILD_DIR_NAME:-target}
daemon=${DEMO_DAEMON:-jvirtiofsd}

step "Setting up the host (missing Debian packages only)"
integration-tests/scripts/setup-host.sh
echo "ok"

if [[ "$daemon" == jvirtiofsd ]]; then
    step "Building jvirtiofsd (mvn package, without tests)"
    mvn -B -q -DskipTests -Dbuild.dir.name="$build_dir" -pl daemon -am package
    export JVIRTIOFSD_LIB=$repo/daemon/$build_dir/lib
    echo "ok: $JVIRTIOFSD_LIB"
fi

step "Building the guest (a Debian kernel and a busybox initramfs; cached)"
integration-tests/scripts/build-guest.sh
echo "ok"

work=$(mktemp -d "${TMPDIR:-/tmp}/jvirtiofsd-demo.XXXXXX")
share=$work/share
socket=$work/vfs.sock
daemon_pid=
cleanup() {
    if [[ -n "$daemon_pid" ]] && kill -0 "$daemon_pid" 2>/dev/null; then
        kill "$daemon_pid" 2>/dev/null || true
        wait "$daemon_pid" 2>/dev/null || true
    fi
    if [[ "${DEMO_KEEP:-}" == 1 ]]; then
        echo "kept: $work"
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "Creating the shared directory $share"
mkdir -p "$share"
echo "Hello from the host: $(uname -n), $(date -u '+%Y-%m-%d %H:%M:%S') UTC" > "$share/hello-from-host.txt"
ls -la "$share"

case "$daemon" in
    jvirtiofsd) command=("$repo/bin/jvirtiofsd" --socket-path="$socket" --shared-dir="$share" --cache=auto) ;;
    qemu-c) command=(/usr/lib/qemu/virtiofsd --socket-path="$socket" -o source="$share" -o cache=auto) ;;
    *) echo "DEMO_DAEMON must be jvirtiofsd or qemu-c" >&2; exit 2 ;;
esac
step "Starting the daemon: ${command[*]}"
"${command[@]}" >"$work/daemon.log" 2>&1 &
daemon_pid=$!
echo "pid $daemon_pid, log $work/daemon.log"

step "Booting the guest under QEMU (TCG); it mounts the share with: mount -t virtiofs share /mnt"
status=0
integration-tests/scripts/run-guest.sh --socket "$socket" --tag share --timeout 180 \
        --scenario integration-tests/guest/scenarios/demo.sh --log "$work/console.log" --wait-socket 60 \
    | sed -u 's/\r$//; s/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1bc//g; s/^Booting from ROM\.\.//; /^SeaBIOS/d; /^\s*$/d; s/^/  guest | /' \
    || status=$?
if [[ $status -ne 0 ]]; then
    echo "the guest run failed (status $status); the daemon's log:" >&2
    tail -n 30 "$work/daemon.log" >&2
    exit 1
fi

step "Waiting for the daemon to exit by itself (QEMU has disconnected)"
for _ in $(seq 1 100); do
    kill -0 "$daemon_pid" 2>/dev/null || break
    sleep 0.2
done
if kill -0 "$daemon_pid" 2>/dev/null; then
    echo "the daemon is still running after 20 s" >&2
    exit 1
fi
daemon_status=0
wait "$daemon_pid" || daemon_status=$?
daemon_pid=
echo "the daemon exited with status $daemon_status"

step "The host's view of what the guest wrote"
ls -la "$share" "$share/made-by-guest"
echo "--- $share/hello-from-guest.txt"
cat "$share/hello-from-guest.txt"
echo
echo "${bold}Done.${plain} Run ./test.sh for the full test suite."
