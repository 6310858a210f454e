#!/bin/sh
# Guest side of IdTranslationGuestIT: the Proxmox setup of a share owned by a host user (200:200,
# mode 0755) and the guest user tester (1000:1000). The same script runs against a daemon without
# translation, with --translate-uid map:1000:200:1 --translate-gid map:1000:200:1, and with
# forbid-guest rules for 5000-5009. It reports what the guest sees and what tester and root may
# do; the host test knows what each run must give.
#
# The host test prepares before the boot (owner:group mode, on the host):
#   the share itself     200:200 0755
#   host-file.txt        200:200 0644 "written by the host\n"
#   chown-me.txt         200:200 0644, empty
#
# Each check prints one line:  CHECK <name> PASS|FAIL key=value...
#   identity          ids=UID:GID:GROUPS of the user the user checks run as
#   share-owner       stat=U:G ls=U:G of the share's root as the guest sees it
#   host-file-owner   stat=U:G ls=U:G of host-file.txt
#   host-file-read    content=... of host-file.txt, read by tester
#   user-write        result=OK|EACCES: tester creates from-guest.txt and writes a line to it
#   user-mkdir        result=OK|EACCES: tester creates from-guest-dir
#   new-file-owner    stat=U:G ls=U:G of from-guest.txt, or stat=none where it was not created
#   root-chown        result=OK|EPERM|EIO: root chowns chown-me.txt to 5005:5005
# A check fails when its observation could not be made, when stat and ls -ln disagree, or when
# a call fails with an errno this setup cannot give.

M=${JVFS_MNT:-/mnt}
failures=0

report() {
    name=$1
    status=$2
    shift 2
    echo "CHECK $name $status $*"
    [ "$status" = PASS ] || failures=$((failures + 1))
}

# asuser CMD...: runs CMD as tester (1000:1000, no other groups)
asuser() {
    perl -e '$( = 1000; $) = "1000 1000"; $< = $> = 1000;
        $> == 1000 && $< == 1000 or die "cannot switch to 1000: $!";
        exec(@ARGV) or die "exec: $!"' "$@"
}

# owner_check NAME PATH: the owner of PATH by stat and by ls -ln, which must agree
owner_check() {
    if [ ! -e "$2" ] && [ ! -L "$2" ]; then
        report "$1" PASS stat=none
        return
    fi
    s=$(stat -c %u:%g "$2") || { report "$1" FAIL "stat failed"; return; }
    l=$(ls -lnd "$2" | awk '{print $3 ":" $4}')
    if [ "$s" = "$l" ]; then
        report "$1" PASS "stat=$s ls=$l"
    else
        report "$1" FAIL "stat=$s ls=$l disagree"
    fi
}

# errno_check NAME RESULT ALLOWED...: RESULT must be one of the outcomes this setup can have
errno_check() {
    name=$1
    result=$2
    shift 2
    for allowed in "$@"; do
        if [ "$result" = "$allowed" ]; then
            report "$name" PASS "result=$result"
            return
        fi
    done
    report "$name" FAIL "result=$result"
}

# The errno's name after a failed perl call, OK after a successful one.
ERRNAME='sub result { if ($_[0]) { print "OK\n" } else { my ($e) = grep { $!{$_} } keys %!; print "$e\n" } }'

ids=$(asuser sh -c 'echo "$(id -u):$(id -g):$(id -G)"')
if [ "$ids" = 1000:1000:1000 ]; then
    report identity PASS "ids=$ids"
else
    report identity FAIL "ids=$ids"
fi

owner_check share-owner "$M"
owner_check host-file-owner "$M/host-file.txt"
content=$(asuser cat "$M/host-file.txt" 2>&1) && report host-file-read PASS "content=$content" \
    || report host-file-read FAIL "$content"

# One system call each, as tester; the result is OK or the errno's name.
errno_check user-write "$(asuser perl -e "use Fcntl; $ERRNAME"'
    my $ok = sysopen(my $f, $ARGV[0], O_WRONLY | O_CREAT | O_EXCL, 0644);
    if ($ok) { print $f "written by tester\n" or die "write: $!"; close($f) or die "close: $!"; }
    result($ok);' "$M/from-guest.txt")" OK EACCES
errno_check user-mkdir "$(asuser perl -e "$ERRNAME"' result(mkdir($ARGV[0], 0755));' "$M/from-guest-dir")" \
    OK EACCES
owner_check new-file-owner "$M/from-guest.txt"
# EPERM is ours for a forbidden id; the Rust virtiofsd answers EIO.
errno_check root-chown "$(perl -e "$ERRNAME"' result(chown(5005, 5005, $ARGV[0]));' "$M/chown-me.txt")" \
    OK EPERM EIO
echo "guest view:"
ls -ln "$M"

sync
echo "CHECKS-DONE failures=$failures"
[ $failures -eq 0 ]
