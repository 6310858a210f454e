#!/usr/bin/env bash
# Writes the initramfs of one guest run: the guest's base archive (build-guest.sh) followed by a
# small one holding the scenario as /scenario.sh (the kernel unpacks concatenated archives in
# order), for run-guest.sh and for guests that libvirt boots.
#
# Usage: guest-initramfs.sh OUTPUT [SCENARIO]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${JVIRTIOFSD_GUEST_CACHE:-$repo/.cache/guest}
[[ $# -ge 1 && $# -le 2 ]] || { echo "usage: guest-initramfs.sh OUTPUT [SCENARIO]" >&2; exit 2; }
output=$1 scenario=${2:-}
base=$cache/initramfs.cpio.gz
[[ -s "$base" ]] || { echo "guest-initramfs: no guest in $cache (run build-guest.sh)" >&2; exit 2; }
[[ -z "$scenario" || -f "$scenario" ]] || { echo "guest-initramfs: no such scenario: $scenario" >&2; exit 2; }

cp "$base" "$output"
if [[ -n "$scenario" ]]; then
    extra=$(mktemp -d "${TMPDIR:-/tmp}/jvfs-initramfs.XXXXXX")
    trap 'rm -rf "$extra"' EXIT
    install -m 0755 "$scenario" "$extra/scenario.sh"
    # Compressed too: the kernel takes an uncompressed archive only at a 4-byte aligned offset.
    (cd "$extra" && echo scenario.sh | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >> "$output"
fi
