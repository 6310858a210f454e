#!/usr/bin/env bash
# Fetches the Rust virtiofsd of Debian trixie (the reference for the differential guest run)
# with the libraries it needs (trixie's glibc: the binary needs glibc 2.39, newer than the
# host's), without touching the machine's own apt state: a private sources list naming
# `trixie main`, private apt state and cache directories, `apt-get download`, `dpkg-deb -x`.
# Idempotent and cached: a second call only prints.
#
# Usage: fetch-rust-virtiofsd.sh [--print]
#   --print   print the command that runs the daemon (loader, library path, binary), one line;
#             append virtiofsd's own arguments to it
#
# Environment:
#   JVIRTIOFSD_RUST_CACHE    cache directory (default: <repository>/.cache/rust-virtiofsd)
#   JVIRTIOFSD_RUST_MIRROR   Debian mirror (default: http://deb.debian.org/debian)
#
# Output in the cache: root/ (the extracted packages), run-virtiofsd (a wrapper script) and
# versions (the package versions extracted).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${JVIRTIOFSD_RUST_CACHE:-$repo/.cache/rust-virtiofsd}
mirror=${JVIRTIOFSD_RUST_MIRROR:-http://deb.debian.org/debian}
keyring=/usr/share/keyrings/debian-archive-trixie-stable.gpg
# The daemon and every library it loads that the host's versions cannot stand in for.
packages=(virtiofsd libc6 libseccomp2 libcap-ng0 libgcc-s1)

print=no
[[ "${1:-}" == --print ]] && print=yes

log() { echo "fetch-rust-virtiofsd: $*" >&2; }
die() { log "$*"; exit 1; }

wrapper=$cache/run-virtiofsd
print_command() {
    [[ $print == yes ]] && echo "$wrapper"
    return 0
}

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9

if [[ -x "$wrapper" && -s "$cache/versions" ]]; then
    print_command
    exit 0
fi

[[ -s "$keyring" ]] || keyring=/usr/share/keyrings/debian-archive-keyring.gpg
log "fetching ${packages[*]} from trixie"
work=$(mktemp -d "$cache/work.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/etc/apt.conf.d" "$work/etc/preferences.d" "$work/etc/sources.list.d" \
    "$work/state/lists/partial" "$work/cache/archives/partial" "$work/debs"
echo "deb [signed-by=$keyring] $mirror trixie main" > "$work/etc/sources.list"
: > "$work/state/status"
apt_options=(
    -o "Dir::Etc::sourcelist=$work/etc/sources.list"
    -o "Dir::Etc::sourceparts=$work/etc/sources.list.d"
    -o "Dir::Etc::parts=$work/etc/apt.conf.d"
    -o "Dir::Etc::preferencesparts=$work/etc/preferences.d"
    -o "Dir::State=$work/state"
    -o "Dir::State::status=$work/state/status"
    -o "Dir::Cache=$work/cache"
    -o "APT::Architecture=amd64"
    -o "APT::Architectures::=amd64"
    -o "Debug::NoLocking=true"
)
apt-get "${apt_options[@]}" -q update > "$work/apt-update.log" 2>&1 \
    || { cat "$work/apt-update.log" >&2; die "apt-get update of trixie failed"; }
(cd "$work/debs" && apt-get "${apt_options[@]}" -q download "${packages[@]}") > "$work/apt-download.log" 2>&1 \
    || { cat "$work/apt-download.log" >&2; die "apt-get download failed"; }

rm -rf "$cache/root.tmp"
mkdir -p "$cache/root.tmp"
: > "$work/versions"
for deb in "$work"/debs/*.deb; do
    dpkg-deb -x "$deb" "$cache/root.tmp"
    echo "$(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version)" >> "$work/versions"
done
binary=$cache/root/usr/libexec/virtiofsd
[[ -x "$cache/root.tmp/usr/libexec/virtiofsd" ]] || die "no usr/libexec/virtiofsd in the virtiofsd package"
rm -rf "$cache/root"
mv "$cache/root.tmp" "$cache/root"

# The binary runs through trixie's loader with trixie's libraries first, the host's after.
libs=$cache/root/usr/lib/x86_64-linux-gnu:$cache/root/lib/x86_64-linux-gnu
cat > "$wrapper.tmp" <<EOF
#!/bin/sh
# Runs Debian trixie's virtiofsd with trixie's glibc (written by fetch-rust-virtiofsd.sh).
exec "$cache/root/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" --library-path "$libs" "$binary" "\$@"
EOF
chmod 0755 "$wrapper.tmp"
"$wrapper.tmp" --version > "$work/version.out" 2>&1 || { cat "$work/version.out" >&2; die "the fetched virtiofsd does not run"; }
mv "$work/versions" "$cache/versions"
mv "$wrapper.tmp" "$wrapper"
log "$(head -n 1 "$work/version.out") ready: $wrapper"
print_command
