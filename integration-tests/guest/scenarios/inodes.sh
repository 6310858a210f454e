#!/bin/sh
# Guest side of InodesGuestIT: filesystems mounted inside the share, and the daemon's open fds
# while the guest holds many inodes. Runs in busybox sh inside the test guest, as root.
#
# The host prepares, before the boot:
#   inodes.conf     announce=yes|no (whether the daemon announces submounts), files=N
#   sub-a/, sub-b/  two tmpfs mounted there, each holding f ("in a", "in b"), whose inode
#                   numbers are the same on the host
#   tree/           N empty files in directories
# Each check prints one line:  CHECK <name> PASS|FAIL <detail>
# "held-inodes" asks the host (HOST-REQUEST count-fds) to count the daemon's open fds while the
# guest holds every file of tree/ in its dentry cache (the share is served with --cache=always),
# and waits for the host's answer in fds-counted.

M=${JVFS_MNT:-/mnt}
failures=0
announce=$(sed -n 's/^announce=//p' "$M/inodes.conf")
files=$(sed -n 's/^files=//p' "$M/inodes.conf")

check() {
    name=$1
    shift
    out=$("$@" 2>&1)
    rc=$?
    out=$(echo "$out" | tr '\r\n' '  ' | sed 's/  */ /g; s/ $//')
    if [ $rc -eq 0 ]; then
        echo "CHECK $name PASS $out"
    else
        echo "CHECK $name FAIL $out"
        failures=$((failures + 1))
    fi
}

expect() {
    [ "$2" = "$3" ] && return 0
    echo "$1: got '$2', expected '$3'"
    return 1
}

uptime_cs() { awk '{printf "%d", $1 * 100}' /proc/uptime; }

# Announced submounts are mounted by the guest kernel when a path walk enters them.
submounts() {
    ls "$M/sub-a/" "$M/sub-b/" > /dev/null || return 1
    root=$(stat -c %d "$M")
    a=$(stat -c %d "$M/sub-a")
    b=$(stat -c %d "$M/sub-b")
    fa=$(stat -c %d:%i "$M/sub-a/f")
    fb=$(stat -c %d:%i "$M/sub-b/f")
    mounts=$(grep -c " $M/sub-[ab] virtiofs " /proc/mounts)
    echo "announce=$announce st_dev: share=$root sub-a=$a sub-b=$b; dev:ino of f: $fa $fb; submounts in /proc/mounts: $mounts"
    expect "sub-a/f" "$(cat "$M/sub-a/f")" "in a" || return 1
    expect "sub-b/f" "$(cat "$M/sub-b/f")" "in b" || return 1
    if [ "$announce" = yes ]; then
        [ "$a" != "$root" ] && [ "$b" != "$root" ] && [ "$a" != "$b" ] || { echo "the same st_dev"; return 1; }
        [ "$fa" != "$fb" ] || { echo "the two files' st_dev:st_ino collide"; return 1; }
        expect "submounts in /proc/mounts" "$mounts" 2
    else
        [ "$a" = "$root" ] && [ "$b" = "$root" ] || { echo "st_dev differs without submounts"; return 1; }
        expect "submounts in /proc/mounts" "$mounts" 0
    fi
}

held_inodes() {
    start=$(uptime_cs)
    n=$(find "$M/tree" -type f | wc -l)
    end=$(uptime_cs)
    echo "find: files=$n centiseconds=$((end - start))"
    expect "files found" "$n" "$files" || return 1
    echo "HOST-REQUEST count-fds" > /dev/console
    polls=0
    while [ ! -e "$M/fds-counted" ]; do
        polls=$((polls + 1))
        [ $polls -le 600 ] || { echo "no answer from the host after 120 s"; return 1; }
        sleep 0.2
    done
    echo "host: $(cat "$M/fds-counted")"
}

check submounts submounts
check held-inodes held_inodes

# The share can only be unmounted once its submounts are.
umount "$M/sub-a" "$M/sub-b" 2> /dev/null
echo "CHECKS-DONE failures=$failures"
[ $failures -eq 0 ]
