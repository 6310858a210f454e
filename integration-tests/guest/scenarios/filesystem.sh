#!/bin/sh
# Guest side of FilesystemGuestIT: basic file operations on the virtio-fs share, as root.
# Runs in busybox sh inside the test guest, in the mounted share.
#
# Each check prints one line:  CHECK <name> PASS|FAIL <detail>
# A check that needs the host prints:  HOST-REQUEST <what>  and then waits for its effect.
# The host test prepares these entries before the boot:
#   host-file.txt      "written by the host\n", xattrs user.host-attr=set-by-the-host and
#                      user.remove-me=x
#   rename-target.txt  "old target\n"
#   unlink-me.txt      any content
#   rmdir-me/          an empty directory
# and checks the host's view of every result afterwards.

M=${JVFS_MNT:-/mnt}
failures=0

# check NAME FUNCTION: runs FUNCTION, whose output (joined into one line) is the detail.
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

# expect WHAT ACTUAL EXPECTED
expect() {
    [ "$2" = "$3" ] && return 0
    echo "$1: got '$2', expected '$3'"
    return 1
}

# Written data leaves the guest's page cache, so the next read goes to the daemon.
drop_caches() {
    sync
    echo 3 > /proc/sys/vm/drop_caches
}

read_host_file() {
    expect content "$(cat "$M/host-file.txt")" "written by the host" || return 1
    expect size "$(stat -c %s "$M/host-file.txt")" 20
}

create_write_read() {
    printf 'created by the guest\n' > "$M/created.txt" || return 1
    printf 'appended by the guest\n' >> "$M/created.txt" || return 1
    drop_caches
    expect content "$(cat "$M/created.txt")" "$(printf 'created by the guest\nappended by the guest')" || return 1
    expect size "$(stat -c %s "$M/created.txt")" 43
}

big_file() {
    dd if=/dev/urandom of=/tmp/big.src bs=1M count=64 2>/dev/null || return 1
    src=$(sha256sum /tmp/big.src | cut -d' ' -f1)
    dd if=/tmp/big.src of="$M/big.bin" bs=1M 2>/dev/null || { echo "dd to the share failed"; return 1; }
    rm -f /tmp/big.src
    drop_caches
    got=$(sha256sum "$M/big.bin" | cut -d' ' -f1)
    size=$(stat -c %s "$M/big.bin")
    echo "sha256=$src size=$size"
    expect "sha256 read back" "$got" "$src" || return 1
    expect size "$size" 67108864
}

rename_file() {
    printf 'renamed\n' > "$M/before-rename.txt" || return 1
    mv "$M/before-rename.txt" "$M/after-rename.txt" || return 1
    [ ! -e "$M/before-rename.txt" ] || { echo "old name still exists"; return 1; }
    expect content "$(cat "$M/after-rename.txt")" renamed
}

rename_over() {
    expect "target before" "$(cat "$M/rename-target.txt")" "old target" || return 1
    printf 'new content\n' > "$M/rename-source.txt" || return 1
    mv -f "$M/rename-source.txt" "$M/rename-target.txt" || return 1
    [ ! -e "$M/rename-source.txt" ] || { echo "source still exists"; return 1; }
    drop_caches
    expect "target after" "$(cat "$M/rename-target.txt")" "new content"
}

unlink_file() {
    rm "$M/unlink-me.txt" || return 1
    [ ! -e "$M/unlink-me.txt" ] || { echo "still exists"; return 1; }
    if ls -1 "$M" | grep -qx unlink-me.txt; then echo "still listed"; return 1; fi
    printf 'short-lived\n' > "$M/guest-temp.txt" || return 1
    rm "$M/guest-temp.txt" || return 1
    [ ! -e "$M/guest-temp.txt" ] || { echo "guest's own file still exists"; return 1; }
}

mkdir_rmdir() {
    mkdir "$M/guest-dir" || return 1
    mkdir "$M/guest-dir/sub" || return 1
    [ -d "$M/guest-dir/sub" ] || { echo "sub is not a directory"; return 1; }
    rmdir "$M/guest-dir/sub" || return 1
    [ ! -e "$M/guest-dir/sub" ] || { echo "sub still exists"; return 1; }
    expect "guest-dir entries" "$(ls -A "$M/guest-dir")" "" || return 1
    rmdir "$M/rmdir-me" || return 1
    [ ! -e "$M/rmdir-me" ] || { echo "rmdir-me still exists"; return 1; }
}

readdir_1000() {
    mkdir "$M/many" || return 1
    for i in $(seq -w 0 999); do
        : > "$M/many/f$i" || { echo "create f$i failed"; return 1; }
    done
    drop_caches
    seq -w 0 999 | sed 's/^/f/' > /tmp/expected.lst
    ls -1 "$M/many" | sort > /tmp/listed.lst
    count=$(wc -l < /tmp/listed.lst)
    echo "entries=$count"
    expect "entry count" "$count" 1000 || return 1
    cmp -s /tmp/expected.lst /tmp/listed.lst || { echo "names differ"; diff /tmp/expected.lst /tmp/listed.lst | head -5; return 1; }
    # The same directory again with attributes (READDIRPLUS or LOOKUP per entry).
    expect "ls -l count" "$(ls -l "$M/many" | grep -c ' f[0-9]')" 1000
}

symlink_readlink() {
    ln -s host-file.txt "$M/link-to-host-file" || return 1
    [ -L "$M/link-to-host-file" ] || { echo "not a symlink"; return 1; }
    expect target "$(readlink "$M/link-to-host-file")" host-file.txt || return 1
    expect "content through the link" "$(cat "$M/link-to-host-file")" "written by the host"
}

hard_link() {
    printf 'linked\n' > "$M/link-first.txt" || return 1
    ln "$M/link-first.txt" "$M/link-second.txt" || return 1
    drop_caches
    expect "nlink first" "$(stat -c %h "$M/link-first.txt")" 2 || return 1
    expect "nlink second" "$(stat -c %h "$M/link-second.txt")" 2 || return 1
    expect "same inode" "$(stat -c %i "$M/link-second.txt")" "$(stat -c %i "$M/link-first.txt")" || return 1
    expect "content via second name" "$(cat "$M/link-second.txt")" linked
}

change_mode() {
    printf 'mode\n' > "$M/mode.txt" || return 1
    mkdir "$M/mode-dir" || return 1
    chmod 640 "$M/mode.txt" || return 1
    chmod 750 "$M/mode-dir" || return 1
    drop_caches
    expect "file mode" "$(stat -c %a "$M/mode.txt")" 640 || return 1
    expect "directory mode" "$(stat -c %a "$M/mode-dir")" 750
}

truncate_file() {
    printf '0123456789abcdef' > "$M/truncate.txt" || return 1
    truncate -s 1048576 "$M/truncate.txt" || return 1
    expect "grown size" "$(stat -c %s "$M/truncate.txt")" 1048576 || return 1
    expect "grown tail" "$(tail -c 4 "$M/truncate.txt" | od -An -tx1 | tr -d ' ')" 00000000 || return 1
    truncate -s 10 "$M/truncate.txt" || return 1
    drop_caches
    expect "shrunk size" "$(stat -c %s "$M/truncate.txt")" 10 || return 1
    expect "shrunk content" "$(cat "$M/truncate.txt")" 0123456789
}

touch_mtime() {
    touch -d '2001-02-03 04:05:06' "$M/mtime.txt" || return 1
    drop_caches
    # 2001-02-03 04:05:06 UTC; the guest has no time zone set.
    expect mtime "$(stat -c %Y "$M/mtime.txt")" 981173106
}

disk_free() {
    df -k "$M" > /tmp/df.out || return 1
    total_kib=$(awk 'NR == 2 {print $2}' /tmp/df.out)
    echo "total_kib=$total_kib blocks=$(stat -f -c %b "$M") frsize=$(stat -f -c %S "$M")"
    [ "${total_kib:-0}" -gt 0 ] || { echo "no size reported"; cat /tmp/df.out; return 1; }
}

host_file_appears() {
    [ ! -e "$M/late-file.txt" ] || { echo "exists before the host created it"; return 1; }
    echo "HOST-REQUEST create-late-file" > /dev/console
    polls=0
    while [ ! -e "$M/late-file.txt" ]; do
        polls=$((polls + 1))
        [ $polls -le 600 ] || { echo "not seen after 120 s"; return 1; }
        sleep 0.2
    done
    echo "seen after $polls polls"
    expect content "$(cat "$M/late-file.txt")" "created by the host while the guest runs" || return 1
    ls -1 "$M" | grep -qx late-file.txt || { echo "not listed"; return 1; }
}

user_xattrs() {
    printf 'xattr\n' > "$M/xattr.txt" || return 1
    setfattr -n user.guest-attr -v from-the-guest "$M/xattr.txt" || return 1
    expect "read back" "$(getfattr --absolute-names --only-values -n user.guest-attr "$M/xattr.txt")" from-the-guest || return 1
    getfattr --absolute-names -d "$M/xattr.txt" | grep -qx 'user.guest-attr="from-the-guest"' || { echo "not listed"; return 1; }
    expect "host's attribute" "$(getfattr --absolute-names --only-values -n user.host-attr "$M/host-file.txt")" set-by-the-host || return 1
    setfattr -x user.remove-me "$M/host-file.txt" || return 1
    if getfattr --absolute-names -n user.remove-me "$M/host-file.txt" >/dev/null 2>&1; then
        echo "removed attribute still readable"
        return 1
    fi
}

check read-host-file read_host_file
check create-write-read create_write_read
check big-file big_file
check rename rename_file
check rename-over rename_over
check unlink unlink_file
check mkdir-rmdir mkdir_rmdir
check readdir-1000 readdir_1000
check host-file-appears host_file_appears
check symlink symlink_readlink
check hard-link hard_link
check chmod change_mode
check truncate truncate_file
check touch-mtime touch_mtime
check df disk_free
check xattr user_xattrs

sync
echo "CHECKS-DONE failures=$failures"
[ $failures -eq 0 ]
