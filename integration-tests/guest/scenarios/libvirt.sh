#!/bin/sh
# The guest half of LibvirtGuestIT: uses the share that libvirt set up, and checks that what the
# domain's <filesystem> asked for took effect. The host writes before the boot:
#   from-host.txt      a file to read
#   .jvfs-expect       what the share's options promise: "xattr=on|off" and "locks=host|guest"
#   host-locked.txt    with locks=host: the host holds an fcntl write lock and a flock on it
# At the end the scenario prints HOST-REQUEST scenario-done; with "wait=yes" in .jvfs-expect it
# then waits for the host to end the run (the domain destroyed).
#
# Each check prints one line:  CHECK <name> PASS|FAIL <detail>

M=${JVFS_MNT:-/mnt}

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
    fi
}

expect() {
    [ "$2" = "$3" ] && return 0
    echo "$1: got '$2', expected '$3'"
    return 1
}

expected() {
    sed -n "s/^$1=//p" "$M/.jvfs-expect"
}

read_host_file() {
    expect from-host.txt "$(cat "$M/from-host.txt")" "written by the host"
}

write_rename_remove() {
    echo "written by the guest" > "$M/scratch" || return 1
    mkdir "$M/dir" && mv "$M/scratch" "$M/dir/from-guest.txt" || return 1
    expect from-guest.txt "$(cat "$M/dir/from-guest.txt")" "written by the guest" || return 1
    ln -s dir/from-guest.txt "$M/link" && expect link "$(readlink "$M/link")" "dir/from-guest.txt" || return 1
    rm "$M/link" || return 1
    sync
}

xattr() {
    if [ "$(expected xattr)" = on ]; then
        setfattr -n user.libvirt -v on "$M/dir/from-guest.txt" || return 1
        expect user.libvirt "$(getfattr --only-values -n user.libvirt "$M/dir/from-guest.txt")" on
    else
        if setfattr -n user.libvirt -v on "$M/dir/from-guest.txt" 2>/tmp/xattr.err; then
            echo "setfattr worked on a share without xattr"
            return 1
        fi
        grep -q "Operation not supported" /tmp/xattr.err || { cat /tmp/xattr.err; return 1; }
    fi
}

# lk.pl posix|flock FILE: tries a write lock (fcntl F_SETLK or flock LOCK_EX|LOCK_NB); prints GOT or BUSY.
cat > /tmp/lk.pl <<'PERL'
my ($mode, $file) = @ARGV;
open(my $fh, "+<", $file) or die "open $file: $!\n";
# struct flock on x86_64: short l_type, short l_whence, off_t l_start, off_t l_len, pid_t l_pid
my $lk = pack("s s x4 q q i x4", 1, 0, 0, 0, 0);
my $ok = $mode eq "posix" ? fcntl($fh, 6, $lk) : flock($fh, 2 | 4);
print $ok ? "GOT\n" : "BUSY\n";
PERL

# locks=host: the host's locks are seen (the daemon serves locks on the host); locks=guest: the
# guest's kernel keeps locks to itself and the host's are not seen.
locks() {
    want=GOT
    [ "$(expected locks)" = host ] && want=BUSY
    expect "fcntl lock" "$(perl /tmp/lk.pl posix "$M/host-locked.txt")" "$want" || return 1
    expect "flock" "$(perl /tmp/lk.pl flock "$M/host-locked.txt")" "$want"
}

check read-host-file read_host_file
check write-rename-remove write_rename_remove
check xattr xattr
check locks locks
echo "HOST-REQUEST scenario-done"
if [ "$(expected wait)" = yes ]; then
    sleep 300
    echo "CHECK host-ended-the-run FAIL the host did not end the run"
fi
