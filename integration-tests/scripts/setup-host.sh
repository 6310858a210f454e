#!/usr/bin/env bash
# Installs the Debian packages needed to build the project and to boot its test guests.
# Idempotent: asks apt only for what is missing, and prints nothing when nothing is.
set -euo pipefail

packages=(
  qemu-system-x86            # the guest's machine (TCG)
  busybox-static             # the guest's userland
  cpio                       # initramfs archives
  attr                       # getfattr/setfattr, copied into the guest
  uidmap                     # newuidmap/newgidmap: --uid-map of an unprivileged daemon
  xz-utils zstd              # kernel modules may come compressed
  openjdk-17-jdk-headless    # the build
  maven
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [[ "$status" == installed ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "setup-host: root (or sudo) is needed to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi

echo "setup-host: installing ${missing[*]}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive
if ! { "${sudo[@]}" apt-get update -qq && \
       "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "setup-host: apt-get failed" >&2
  exit 1
fi
