#!/usr/bin/env bash
# Every test in one command: the host's packages (QEMU, libvirt and friends), then `mvn verify`
# of the whole reactor: unit tests, vhost-user frontend tests, the packages and their tests, and
# the guest tests (real QEMU guests, some started by libvirt).
# Extra arguments go to Maven, e.g. ./test.sh -DskipGuestTests or -Djvirtiofsd.guest.daemon=qemu-c.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

integration-tests/scripts/setup-host.sh
mvn -B verify "$@"
