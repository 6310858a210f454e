#!/usr/bin/env bash
# Fetches what the newer-guest tests take from Debian trixie, without touching the machine's own
# apt state (a private sources list naming `trixie main`, private apt state and cache):
#
#   kernel   the newest linux-image-6.12.*-amd64-unsigned package (a Linux 6.12 guest: multi-queue
#            virtio-fs, FUSE STATX, CREATE_SUPP_GROUP); prints the path of the .deb, for
#            build-guest.sh's JVIRTIOFSD_GUEST_KERNEL_DEB
#   qemu     QEMU 10 (qemu-system-x86 and every package it needs, trixie's glibc included),
#            extracted into a directory, with a wrapper that runs it through trixie's loader, its
#            modules and its firmware; prints the wrapper's path, for run-guest.sh's --qemu
#
# Idempotent and cached: a second call only prints.
#
# Environment:
#   JVIRTIOFSD_TRIXIE_CACHE   cache directory (default: <repository>/.cache/trixie)
#   JVIRTIOFSD_TRIXIE_MIRROR  Debian mirror (default: http://deb.debian.org/debian)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${JVIRTIOFSD_TRIXIE_CACHE:-$repo/.cache/trixie}
mirror=${JVIRTIOFSD_TRIXIE_MIRROR:-http://deb.debian.org/debian}
keyring=/usr/share/keyrings/debian-archive-trixie-stable.gpg
[[ -s "$keyring" ]] || keyring=/usr/share/keyrings/debian-archive-keyring.gpg

log() { echo "fetch-trixie: $*" >&2; }
die() { log "$*"; exit 1; }

what=${1:-}
[[ "$what" == kernel || "$what" == qemu ]] || die "usage: fetch-trixie.sh kernel|qemu"

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9

# The private apt: lists refreshed at most once a day.
apt_dir=$cache/apt
apt_options=(
    -o "Dir::Etc::sourcelist=$apt_dir/etc/sources.list"
    -o "Dir::Etc::sourceparts=$apt_dir/etc/sources.list.d"
    -o "Dir::Etc::parts=$apt_dir/etc/apt.conf.d"
    -o "Dir::Etc::preferencesparts=$apt_dir/etc/preferences.d"
    -o "Dir::State=$apt_dir/state"
    -o "Dir::State::status=$apt_dir/state/status"
    -o "Dir::Cache=$apt_dir/cache"
    -o "APT::Architecture=amd64"
    -o "APT::Architectures::=amd64"
    -o "APT::Install-Recommends=false"
    -o "Debug::NoLocking=true"
)
apt_ready() {
    mkdir -p "$apt_dir/etc/apt.conf.d" "$apt_dir/etc/preferences.d" "$apt_dir/etc/sources.list.d" \
        "$apt_dir/state/lists/partial" "$apt_dir/cache/archives/partial"
    echo "deb [signed-by=$keyring] $mirror trixie main" > "$apt_dir/etc/sources.list"
    # Empty: apt then downloads every dependency, as for a fresh root.
    : > "$apt_dir/state/status"
    if [[ -z "$(find "$apt_dir/state/lists" -name '*_Packages*' -mtime -1 2>/dev/null | head -n 1)" ]]; then
        apt-get "${apt_options[@]}" -q update > "$apt_dir/update.log" 2>&1 \
            || { cat "$apt_dir/update.log" >&2; die "apt-get update of trixie failed"; }
    fi
}

if [[ "$what" == kernel ]]; then
    shopt -s nullglob
    debs=("$cache"/kernel/linux-image-6.12.*-amd64-unsigned_*.deb)
    if [[ ${#debs[@]} -eq 0 ]]; then
        apt_ready
        package=$(apt-cache "${apt_options[@]}" search --names-only '^linux-image-6\.12\.[0-9]+\+deb13-amd64-unsigned$' \
            | awk '{print $1}' | sort -V | tail -n 1)
        [[ -n "$package" ]] || die "no linux-image-6.12.*-amd64-unsigned package in trixie"
        log "downloading $package"
        rm -rf "$cache/kernel.tmp" && mkdir -p "$cache/kernel.tmp"
        (cd "$cache/kernel.tmp" && apt-get "${apt_options[@]}" -q download "$package") > "$cache/kernel-download.log" 2>&1 \
            || { cat "$cache/kernel-download.log" >&2; die "cannot download $package"; }
        rm -rf "$cache/kernel" && mv "$cache/kernel.tmp" "$cache/kernel"
        debs=("$cache"/kernel/linux-image-6.12.*-amd64-unsigned_*.deb)
    fi
    echo "${debs[0]}"
    exit 0
fi

wrapper=$cache/qemu-system-x86_64
if [[ ! -x "$wrapper" ]]; then
    apt_ready
    log "downloading qemu-system-x86 and its dependencies"
    rm -f "$apt_dir"/cache/archives/*.deb
    apt-get "${apt_options[@]}" -q -y install --download-only qemu-system-x86 > "$cache/qemu-download.log" 2>&1 \
        || { cat "$cache/qemu-download.log" >&2; die "cannot download qemu-system-x86"; }
    rm -rf "$cache/qemu-root.tmp" && mkdir -p "$cache/qemu-root.tmp"
    for deb in "$apt_dir"/cache/archives/*.deb; do
        dpkg-deb -x "$deb" "$cache/qemu-root.tmp"
    done
    rm -f "$apt_dir"/cache/archives/*.deb
    rm -rf "$cache/qemu-root" && mv "$cache/qemu-root.tmp" "$cache/qemu-root"
    root=$cache/qemu-root
    # QEMU runs from the host's file system through trixie's loader and libraries; its firmware
    # (-L) and modules (QEMU_MODULE_DIR: TCG itself is a module in Debian's build) come from the
    # extracted root, not from the host's QEMU.
    cat > "$wrapper.tmp" <<EOF
#!/bin/sh
# Runs Debian trixie's QEMU from $root (written by fetch-trixie.sh).
QEMU_MODULE_DIR=$root/usr/lib/x86_64-linux-gnu/qemu
export QEMU_MODULE_DIR
exec "$root/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" \\
    --library-path "$root/usr/lib/x86_64-linux-gnu:$root/lib/x86_64-linux-gnu" \\
    "$root/usr/bin/qemu-system-x86_64" -L "$root/usr/share/qemu" -L "$root/usr/share/seabios" "\$@"
EOF
    chmod 0755 "$wrapper.tmp"
    version=$("$wrapper.tmp" --version 2>&1 | head -n 1) || die "the fetched QEMU does not run: $version"
    mv "$wrapper.tmp" "$wrapper"
    log "$version ready: $wrapper"
fi
echo "$wrapper"
