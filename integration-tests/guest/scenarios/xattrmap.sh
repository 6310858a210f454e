#!/bin/sh
# Guest side of XattrMapGuestIT: extended attributes through a daemon started with
#   --modcaps=+sys_admin --xattrmap=
#       :prefix:all:user.:user.virtiofs.:
#       /bad/server//user./
#       :map:security.selinux:trusted.virtiofs.:
# so the guest's user.* live on the host as user.virtiofs.user.*, the host's own user.* are
# hidden, and the guest's SELinux label lives as trusted.virtiofs.security.selinux (the README's
# example for SELinux guests: host and guest labels stay apart). Runs in busybox sh as root; the
# guest kernel has no SELinux, so security.selinux is a plain attribute to it.
#
# Each check prints one line:  CHECK <name> PASS|FAIL <detail>
# The host test prepares before the boot:
#   host.txt        user.hostonly="the host's own", user.virtiofs.user.shared="for the guest",
#                   trusted.host="kept"
#   host-label.txt  security.selinux="host_u:object_r:host_t:s0" (the host's label)
# and checks the host's view of every result afterwards.

M=${JVFS_MNT:-/mnt}
failures=0

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

# The names listxattr gives for FILE, sorted, one per line.
names_of() {
    getfattr --absolute-names -m - "$1" | grep -v '^#' | grep -v '^$' | sort
}

value_of() {
    getfattr --absolute-names --only-values -n "$2" "$1"
}

# expect_error WHAT MESSAGE COMMAND...: COMMAND must fail with MESSAGE (the errno's text) in its output.
expect_error() {
    what=$1
    message=$2
    shift 2
    if out=$("$@" 2>&1); then
        echo "$what: succeeded, expected '$message'"
        return 1
    fi
    case "$out" in
        *"$message"*) return 0 ;;
    esac
    echo "$what: '$out', expected '$message'"
    return 1
}

user_mapped() {
    printf 'guest\n' > "$M/guest.txt" || return 1
    setfattr -n user.foo -v bar "$M/guest.txt" || return 1
    expect "read back" "$(value_of "$M/guest.txt" user.foo)" bar || return 1
    getfattr --absolute-names -d "$M/guest.txt" | grep -qx 'user.foo="bar"' || { echo "not dumped"; return 1; }
    expect "names" "$(names_of "$M/guest.txt")" user.foo
}

user_removed() {
    setfattr -n user.gone -v 1 "$M/guest.txt" || return 1
    setfattr -x user.gone "$M/guest.txt" || return 1
    expect_error "read after removal" "No such attribute" getfattr -n user.gone "$M/guest.txt" || return 1
    expect "names" "$(names_of "$M/guest.txt")" user.foo
}

host_names_hidden() {
    expect "names" "$(names_of "$M/host.txt")" "$(printf 'trusted.host\nuser.shared')" || return 1
    expect "shared value" "$(value_of "$M/host.txt" user.shared)" "for the guest" || return 1
    expect "trusted value" "$(value_of "$M/host.txt" trusted.host)" kept || return 1
    # The host's own user.hostonly is out of reach: the guest's user.hostonly is another name there.
    expect_error "host-only name" "No such attribute" getfattr -n user.hostonly "$M/host.txt" || return 1
    getfattr --absolute-names -d -m - "$M/host.txt" | grep -q hostonly && { echo "hostonly dumped"; return 1; }
    return 0
}

guarded_target() {
    # The map's target names are refused: EPERM to set or remove, no data to read.
    expect_error "set the target" "Operation not permitted" \
        setfattr -n trusted.virtiofs.security.selinux -v forged "$M/host-label.txt" || return 1
    expect_error "remove the target" "Operation not permitted" \
        setfattr -x trusted.virtiofs.x "$M/host-label.txt" || return 1
    expect_error "read the target" "No such attribute" \
        getfattr -n trusted.virtiofs.security.selinux "$M/host-label.txt"
}

selinux_remap() {
    printf 'label\n' > "$M/label.txt" || return 1
    setfattr -n security.selinux -v system_u:object_r:guest_t:s0 "$M/label.txt" || return 1
    expect "read back" "$(value_of "$M/label.txt" security.selinux)" system_u:object_r:guest_t:s0 || return 1
    expect "names" "$(names_of "$M/label.txt")" security.selinux
}

host_label_hidden() {
    expect_error "host label" "No such attribute" getfattr -n security.selinux "$M/host-label.txt" || return 1
    expect "names" "$(names_of "$M/host-label.txt")" ""
}

check user-mapped user_mapped
check user-removed user_removed
check host-names-hidden host_names_hidden
check guarded-target guarded_target
check selinux-remap selinux_remap
check host-label-hidden host_label_hidden

sync
echo "CHECKS-DONE failures=$failures"
[ $failures -eq 0 ]
