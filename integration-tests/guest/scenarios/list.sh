#!/bin/sh
# The plainest use of the share: list it.
M=${JVFS_MNT:-/mnt}
ls -la "$M"
echo "JVFS-SCENARIO: listed"
