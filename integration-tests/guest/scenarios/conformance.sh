#!/bin/sh
# Guest side of ConformanceGuestIT: POSIX behaviour of the share, checked once as root and once
# as the unprivileged guest user "tester" (1000:1000). Runs in busybox sh inside the test guest;
# perl (syscalls, locks, user switching), xfs_io and getfacl/setfacl come from the guest image.
#
# Each check prints one line:  CHECK <name> PASS|FAIL <detail>   (user checks are named user-*)
# A check that needs the host prints:  HOST-REQUEST <what>  and then waits for its effect (a
# file locks/<what>.result written by the host).
# The host test prepares before the boot (owner:group mode):
#   locked-dir/          0:0 0755, empty
#   private.txt          0:0 0600 "private\n"
#   readonly.txt         0:0 0644 "read only\n"
#   sticky/              0:0 1777, holding others-file (1001:1001 0666)
#   setgid/              0:2000 2777
#   user-home/           1000:1000 0755
#   xdev/                a tmpfs the host mounts there (EXDEV check)
#   locks/               0:0 1777
# and checks the host's view of the results afterwards. Lock checks need a backend that serves
# locks on the host (ours with --posix-lock --flock); the others need --xattr --posix-acl.
#
# Usage inside the guest: sh /scenario.sh [root|user]   (init runs it without argument: root,
# which runs the user phase at its end).

M=${JVFS_MNT:-/mnt}
PHASE=${1:-root}
OP=/tmp/op
failures=0
prefix=
[ "$PHASE" = user ] && prefix=user-

check() {
    name=$prefix$1
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

op() { perl $OP "$@"; }

drop_caches() {
    sync
    [ "$PHASE" = root ] && echo 3 > /proc/sys/vm/drop_caches
    return 0
}

# wait_for PATH [SECONDS]: until PATH exists
wait_for() {
    polls=0
    while [ ! -e "$1" ]; do
        polls=$((polls + 1))
        [ $polls -le $((${2:-30} * 10)) ] || return 1
        sleep 0.1
    done
}

# wait_gone PID [SECONDS]: until the process has ended
wait_gone() {
    polls=0
    while kill -0 "$1" 2>/dev/null; do
        polls=$((polls + 1))
        [ $polls -le $((${2:-30} * 10)) ] || return 1
        sleep 0.1
    done
    wait "$1" 2>/dev/null
    return 0
}

# host_request WHAT: asks the host test for WHAT and prints the result it wrote
host_request() {
    rm -f "$M/locks/$1.result" 2>/dev/null
    echo "HOST-REQUEST $1" > /dev/console
    wait_for "$M/locks/$1.result" 60 || { echo "no answer from the host to $1"; return 1; }
    cat "$M/locks/$1.result"
}

# The perl helper: one system call per run, its result (OK, a value or the errno name) on stdout.
write_op_helper() {
    cat > $OP <<'PERL'
#!/usr/bin/perl
# op CMD ARGS...: one system call, its result on stdout: OK (or a value) on success, the errno's
# name (EACCES, ...) on failure.
use strict;
use warnings;
use Fcntl qw(:DEFAULT :flock :mode SEEK_SET F_GETLK F_SETLK F_SETLKW F_RDLCK F_WRLCK F_UNLCK);

my %SYS = (setxattr => 188, lsetxattr => 189, getxattr => 191, lgetxattr => 192,
    listxattr => 194, linkat => 265, utimensat => 280, renameat2 => 316, statx => 332);
my $AT_FDCWD = -100;
my $O_TMPFILE = 0x410000;

sub errname {
    my @names = sort grep { $!{$_} } keys %!;
    for my $preferred (qw(EAGAIN EOPNOTSUPP EDEADLK)) {
        return $preferred if grep { $_ eq $preferred } @names;
    }
    return @names ? $names[0] : "errno" . ($! + 0);
}
sub result { print($_[0] ? ($_[1] // "OK") : errname(), "\n"); exit 0; }
sub str { my $s = shift; return "$s"; }    # a string: syscall() passes it as a pointer
sub wait_for { my $path = shift; select(undef, undef, undef, 0.05) until -e $path; }
sub touch { my $path = shift; open(my $fh, '>', $path) or die "$path: $!"; close $fh; }
sub lock_struct { return pack("s s x4 q q l x4", $_[0], SEEK_SET, 0, 0, 0); }
sub lock_type { return { r => F_RDLCK, w => F_WRLCK, u => F_UNLCK }->{$_[0]}; }
sub open_rw { my $p = shift; sysopen(my $fh, $p, O_RDWR) or result(0); return $fh; }
sub take_lock {    # kind posix|flock, blocking or not
    my ($fh, $kind, $wait) = @_;
    return flock($fh, LOCK_EX | ($wait ? 0 : LOCK_NB)) if $kind eq 'flock';
    return fcntl($fh, $wait ? F_SETLKW : F_SETLK, lock_struct(F_WRLCK));
}

my $cmd = shift @ARGV // die "usage: op CMD ARGS";
my @a = @ARGV;

if ($cmd eq 'mkdir') { result(mkdir($a[0], oct($a[1] // '755'))); }
elsif ($cmd eq 'rmdir') { result(rmdir($a[0])); }
elsif ($cmd eq 'unlink') { result(unlink($a[0]) == 1); }
elsif ($cmd eq 'rename') { result(rename($a[0], $a[1])); }
elsif ($cmd eq 'rename2') {
    result(syscall($SYS{renameat2}, $AT_FDCWD, str($a[0]), $AT_FDCWD, str($a[1]), $a[2] + 0) == 0);
}
elsif ($cmd eq 'link') { result(link($a[0], $a[1])); }
elsif ($cmd eq 'symlink') { result(symlink($a[0], $a[1])); }
elsif ($cmd eq 'chmod') { result(chmod(oct($a[0]), $a[1]) == 1); }
elsif ($cmd eq 'chown') { result(chown($a[0], $a[1], $a[2]) == 1); }
elsif ($cmd eq 'truncate') { result(truncate($a[0], $a[1])); }
elsif ($cmd eq 'open') {
    my %flags = (r => O_RDONLY, w => O_WRONLY, rw => O_RDWR, excl => O_WRONLY | O_CREAT | O_EXCL,
        nofollow => O_RDONLY | O_NOFOLLOW, dir => O_RDONLY | O_DIRECTORY, create => O_WRONLY | O_CREAT);
    result(sysopen(my $fh, $a[0], $flags{$a[1]}, oct($a[2] // '644')));
}
elsif ($cmd eq 'setxattr') {
    my $call = ($a[3] // '') eq 'nofollow' ? $SYS{lsetxattr} : $SYS{setxattr};
    my $value = str($a[2]);
    result(syscall($call, str($a[0]), str($a[1]), $value, length($value), 0) == 0);
}
elsif ($cmd eq 'getxattr-size') {    # the attribute's size, probed with a buffer of SIZE bytes
    my $size = $a[2] + 0;
    my $buf = "\0" x ($size + 1);
    my $n = syscall($SYS{getxattr}, str($a[0]), str($a[1]), $size ? $buf : 0, $size);
    result($n >= 0, $n);
}
elsif ($cmd eq 'listxattr-size') {
    my $size = $a[1] + 0;
    my $buf = "\0" x ($size + 1);
    my $n = syscall($SYS{listxattr}, str($a[0]), $size ? $buf : 0, $size);
    result($n >= 0, $n);
}
elsif ($cmd eq 'utimens-nofollow') {    # sets atime and mtime of the link itself
    my $times = pack("q q q q", $a[1], 0, $a[1], 0);
    result(syscall($SYS{utimensat}, $AT_FDCWD, str($a[0]), $times, 0x100) == 0);
}
elsif ($cmd eq 'statx') {    # mask and btime of STATX_BASIC_STATS | STATX_BTIME
    my $buf = "\0" x 256;
    syscall($SYS{statx}, $AT_FDCWD, str($a[0]), 0, 0x0fff | 0x800, $buf) == 0 or result(0);
    my ($mask) = unpack("L", $buf);
    my ($size) = unpack("Q", substr($buf, 40, 8));
    my ($btime) = unpack("q", substr($buf, 80, 8));
    result(1, sprintf("mask=0x%x size=%d btime=%d", $mask, $size, $btime));
}
elsif ($cmd eq 'tmpfile') {    # tmpfile DIR [MODE CONTENT LINKNAME]
    sysopen(my $fh, $a[0], $O_TMPFILE | O_RDWR, oct($a[1] // '600')) or result(0);
    result(1) unless defined $a[3];
    syswrite($fh, $a[2]) == length($a[2]) or result(0);
    -e $a[3] and result(1, "EXISTS-BEFORE-LINK");
    my $fd = fileno($fh);
    result(syscall($SYS{linkat}, $AT_FDCWD, str("/proc/self/fd/$fd"), $AT_FDCWD, str($a[3]), 0x400) == 0);
}
elsif ($cmd eq 'setlk') {    # setlk FILE r|w|u: a lock taken (and dropped at exit) or its errno
    my $fh = open_rw($a[0]);
    result(fcntl($fh, F_SETLK, lock_struct(lock_type($a[1]))));
}
elsif ($cmd eq 'getlk') {    # getlk FILE r|w: the type of a conflicting lock, or F_UNLCK
    my $fh = open_rw($a[0]);
    my $lock = lock_struct(lock_type($a[1]));
    fcntl($fh, F_GETLK, $lock) or result(0);
    my ($type) = unpack("s", $lock);
    result(1, { F_RDLCK() => 'F_RDLCK', F_WRLCK() => 'F_WRLCK', F_UNLCK() => 'F_UNLCK' }->{$type} // "type$type");
}
elsif ($cmd eq 'flock-nb') { my $fh = open_rw($a[0]); result(take_lock($fh, 'flock', 0)); }
elsif ($cmd eq 'lockhold') {    # lockhold FILE KIND READY RELEASE: holds the lock until RELEASE exists
    my $fh = open_rw($a[0]);
    take_lock($fh, $a[1], 1) or result(0);
    touch($a[2]);
    wait_for($a[3]);
    result(1);
}
elsif ($cmd eq 'lockwait') {    # lockwait FILE KIND GOT: waits for the lock, then says so and ends
    my $fh = open_rw($a[0]);
    take_lock($fh, $a[1], 1) or result(0);
    touch($a[2]);
    result(1);
}
elsif ($cmd eq 'append') {    # append FILE WRITER COUNT: COUNT 32-byte lines through one O_APPEND fd
    sysopen(my $fh, $a[0], O_WRONLY | O_APPEND | O_CREAT, 0644) or result(0);
    for my $i (1 .. $a[2]) {
        my $line = sprintf("w%d-%06d-", $a[1], $i);
        $line .= "x" x (31 - length($line)) . "\n";
        syswrite($fh, $line) == 32 or result(0);
    }
    result(1);
}
elsif ($cmd eq 'truncate-open') {    # writes 8192 bytes, truncates by name to 100, reads the fd
    sysopen(my $fh, $a[0], O_RDWR | O_CREAT | O_TRUNC, 0644) or result(0);
    syswrite($fh, "t" x 8192) == 8192 or result(0);
    truncate($a[0], 100) or result(0);
    sysseek($fh, 0, SEEK_SET);
    my $n = sysread($fh, my $data, 65536);
    result(1, sprintf("read=%d fstat=%d", $n, (stat($fh))[7]));
}
elsif ($cmd eq 'unlink-open') {    # an unlinked file stays readable through an open fd
    sysopen(my $fh, $a[0], O_RDWR | O_CREAT | O_TRUNC, 0644) or result(0);
    syswrite($fh, "still readable\n");
    unlink($a[0]) or result(0);
    my $gone = -e $a[0] ? "still-there" : "gone";
    sysseek($fh, 0, SEEK_SET);
    sysread($fh, my $data, 100);
    chomp $data;
    result(1, sprintf("name=%s nlink=%d data=%s", $gone, (stat($fh))[3], $data));
}
elsif ($cmd eq 'mkname') {    # mkname DIR HEX: creates a file whose name has these bytes
    my $name = pack("H*", $a[1]);
    result(sysopen(my $fh, "$a[0]/$name", O_WRONLY | O_CREAT | O_EXCL, 0644));
}
elsif ($cmd eq 'lsnames') {    # the names of DIR, hex, sorted, one a line
    opendir(my $dh, $a[0]) or result(0);
    print map { unpack("H*", $_) . "\n" } sort grep { $_ ne '.' && $_ ne '..' } readdir $dh;
    exit 0;
}
elsif ($cmd eq 'asuser') {    # asuser UID GID CMD...: runs CMD with these ids and no other groups
    my ($uid, $gid, @command) = @a;
    $( = $gid;
    $) = "$gid $gid";
    $< = $> = $uid;
    $> == $uid && $< == $uid or die "cannot switch to $uid: $!";
    exec(@command) or die "exec: $!";
}
else { die "op: unknown command $cmd\n"; }
PERL
    chmod 0755 $OP
}

# ---------------------------------------------------------------- root phase ----------------

errno_fidelity() {
    d=$M/errno
    mkdir "$d" && mkdir "$d/dir" && mkdir "$d/full" && : > "$d/full/x" && : > "$d/file" || return 1
    ln -s loop-b "$d/loop-a" && ln -s loop-a "$d/loop-b" && ln -s file "$d/link" || return 1
    r=0
    expect "mkdir existing" "$(op mkdir "$d/dir")" EEXIST || r=1
    expect "O_CREAT|O_EXCL existing" "$(op open "$d/file" excl)" EEXIST || r=1
    expect "rmdir non-empty" "$(op rmdir "$d/full")" ENOTEMPTY || r=1
    expect "rmdir a file" "$(op rmdir "$d/file")" ENOTDIR || r=1
    expect "file as a directory" "$(op open "$d/file/x" r)" ENOTDIR || r=1
    expect "open a directory for writing" "$(op open "$d/dir" w)" EISDIR || r=1
    expect "O_DIRECTORY on a file" "$(op open "$d/file" dir)" ENOTDIR || r=1
    expect "unlink a directory" "$(op unlink "$d/dir")" EISDIR || r=1
    expect "symlink loop" "$(op open "$d/loop-a" r)" ELOOP || r=1
    expect "O_NOFOLLOW on a symlink" "$(op open "$d/link" nofollow)" ELOOP || r=1
    expect "rename a directory into itself" "$(op rename "$d/dir" "$d/dir/sub")" EINVAL || r=1
    expect "missing name" "$(op open "$d/missing" r)" ENOENT || r=1
    expect "user xattr on a symlink" "$(op setxattr "$d/link" user.x y nofollow)" EPERM || r=1
    if [ -d "$M/xdev" ]; then
        expect "rename across host mounts" "$(op rename "$d/file" "$M/xdev/file")" EXDEV || r=1
    else
        echo "no xdev mount"; r=1
    fi
    return $r
}

name_lengths() {
    mkdir "$M/names" || return 1
    n255=$(printf 'n%.0s' $(seq 255))
    n256=${n255}n
    expect "255-byte name" "$(op open "$M/names/$n255" create)" OK || return 1
    expect "256-byte name" "$(op open "$M/names/$n256" create)" ENAMETOOLONG || return 1
    expect "256-byte mkdir" "$(op mkdir "$M/names/$n256")" ENAMETOOLONG || return 1
    drop_caches
    [ -f "$M/names/$n255" ] || { echo "255-byte name not found again"; return 1; }
}

# Every byte value but NUL and '/': one name holding them all (254 bytes), and one name per byte.
all_byte_names() {
    mkdir "$M/bytes" || return 1
    all=
    i=1
    while [ $i -le 255 ]; do
        if [ $i -ne 47 ]; then
            hex=$(printf '%02x' $i)
            all=$all$hex
            [ $i -eq 46 ] && hex=2e2e2e  # "." alone is the directory itself: use "..."
            expect "byte $hex" "$(op mkname "$M/bytes" "62$hex")" OK || return 1
        fi
        i=$((i + 1))
    done
    expect "all bytes in one name" "$(op mkname "$M/bytes" "$all")" OK || return 1
    drop_caches
    op lsnames "$M/bytes" > /tmp/names.listed
    expect "names listed" "$(wc -l < /tmp/names.listed)" 255 || return 1
    grep -qx "$all" /tmp/names.listed || { echo "the all-bytes name is not listed back"; return 1; }
    grep -qx 620a /tmp/names.listed || { echo "the newline name is not listed back"; return 1; }
    echo "allbytes=$all"
}

rename_across_directories() {
    mkdir -p "$M/ren/a/subdir" "$M/ren/b" || return 1
    printf 'moving\n' > "$M/ren/a/moving.txt" && printf 'inner\n' > "$M/ren/a/subdir/inner.txt" || return 1
    expect "file across" "$(op rename "$M/ren/a/moving.txt" "$M/ren/b/moved.txt")" OK || return 1
    expect "directory across" "$(op rename "$M/ren/a/subdir" "$M/ren/b/subdir-moved")" OK || return 1
    drop_caches
    [ ! -e "$M/ren/a/moving.txt" ] && [ ! -e "$M/ren/a/subdir" ] || { echo "old names remain"; return 1; }
    expect "moved content" "$(cat "$M/ren/b/moved.txt")" moving || return 1
    expect "inner content" "$(cat "$M/ren/b/subdir-moved/inner.txt")" inner
}

rename_over_directories() {
    d=$M/ren
    mkdir "$d/over-src" "$d/over-target" "$d/nonempty" && : > "$d/over-src/marker" && : > "$d/nonempty/x" || return 1
    : > "$d/plain-file" && mkdir "$d/plain-dir" || return 1
    expect "directory over an empty one" "$(op rename "$d/over-src" "$d/over-target")" OK || return 1
    expect "directory over a non-empty one" "$(op rename "$d/over-target" "$d/nonempty")" ENOTEMPTY || return 1
    expect "file over a directory" "$(op rename "$d/plain-file" "$d/plain-dir")" EISDIR || return 1
    expect "directory over a file" "$(op rename "$d/plain-dir" "$d/plain-file")" ENOTDIR || return 1
    [ -e "$d/over-target/marker" ] || { echo "marker not in over-target"; return 1; }
}

rename_flags() {
    d=$M/ren
    printf x > "$d/x.txt" && printf y > "$d/y.txt" && printf whiteout > "$d/whiteout-src" || return 1
    expect "RENAME_NOREPLACE over a file" "$(op rename2 "$d/x.txt" "$d/y.txt" 1)" EEXIST || return 1
    expect "RENAME_EXCHANGE" "$(op rename2 "$d/x.txt" "$d/y.txt" 2)" OK || return 1
    drop_caches
    expect "x.txt after exchange" "$(cat "$d/x.txt")" y || return 1
    expect "y.txt after exchange" "$(cat "$d/y.txt")" x || return 1
    expect "RENAME_WHITEOUT" "$(op rename2 "$d/whiteout-src" "$d/whiteout-dst.txt" 4)" OK || return 1
    drop_caches
    expect "whiteout left behind" "$(stat -c '%F %t:%T' "$d/whiteout-src")" "character special file 0:0" || return 1
    expect "renamed content" "$(cat "$d/whiteout-dst.txt")" whiteout
}

append_concurrent() {
    for w in 1 2 3 4; do
        op append "$M/append.log" $w 500 > /tmp/append.$w &
    done
    wait
    for w in 1 2 3 4; do
        expect "writer $w" "$(cat /tmp/append.$w)" OK || return 1
    done
    drop_caches
    expect size "$(stat -c %s "$M/append.log")" 64000 || return 1
    expect "well-formed lines" "$(grep -c '^w[1-4]-[0-9]\{6\}-x*$' "$M/append.log")" 2000 || return 1
    for w in 1 2 3 4; do
        expect "lines of writer $w" "$(grep -c "^w$w-" "$M/append.log")" 500 || return 1
    done
}

truncate_open_file() {
    expect "read through the fd after truncate" "$(op truncate-open "$M/truncate-open.bin")" "read=100 fstat=100"
}

unlink_open_file() {
    expect "unlinked file through its fd" "$(op unlink-open "$M/unlink-open.txt")" \
        "name=gone nlink=0 data=still readable"
}

punch_hole() {
    xfs_io -f -c "pwrite -q -S 0x61 0 1m" -c fsync "$M/punched.bin" || return 1
    before=$(stat -c %b "$M/punched.bin")
    xfs_io -c "fpunch 64k 128k" -c fsync "$M/punched.bin" || return 1
    drop_caches
    after=$(stat -c %b "$M/punched.bin")
    echo "blocks_before=$before blocks_after=$after"
    expect size "$(stat -c %s "$M/punched.bin")" 1048576 || return 1
    expect "hole bytes" "$(dd if="$M/punched.bin" bs=64k skip=1 count=2 2>/dev/null | tr -d '\000' | wc -c)" 0 || return 1
    expect "data after the hole" "$(dd if="$M/punched.bin" bs=64k skip=3 count=1 2>/dev/null | tr -d a | wc -c)" 0 || return 1
    [ "$after" -lt "$before" ] || { echo "no blocks freed"; return 1; }
}

seek_data_hole() {
    xfs_io -f -c "pwrite -q 0 64k" -c "pwrite -q 1m 64k" -c fsync "$M/sparse.bin" || return 1
    drop_caches
    hole=$(xfs_io -c "seek -h 0" "$M/sparse.bin" | awk '$1 == "HOLE" {print $2}')
    data=$(xfs_io -c "seek -d 64k" "$M/sparse.bin" | awk '$1 == "DATA" {print $2}')
    end=$(xfs_io -c "seek -h 1m" "$M/sparse.bin" | awk '$1 == "HOLE" {print $2}')
    expect "SEEK_HOLE from 0" "$hole" 65536 || return 1
    expect "SEEK_DATA from 64k" "$data" 1048576 || return 1
    expect "SEEK_HOLE from 1m (end of file)" "$end" 1114112
}

copy_range() {
    xfs_io -f -c "pwrite -q -S 0x5a 0 1m" -c "pwrite -q -S 0x33 100000 5000" "$M/copy-src.bin" || return 1
    : > "$M/copy-dst.bin"
    xfs_io -c "copy_range -s 0 -d 0 -l 1048576 $M/copy-src.bin" "$M/copy-dst.bin" || return 1
    drop_caches
    cmp "$M/copy-src.bin" "$M/copy-dst.bin" || return 1
    echo "sha256=$(sha256sum "$M/copy-dst.bin" | cut -d' ' -f1)"
}

tmpfile_linkat() {
    expect "O_TMPFILE + linkat" "$(op tmpfile "$M" 640 'from O_TMPFILE' "$M/tmpfile-linked.txt")" OK || return 1
    drop_caches
    expect content "$(cat "$M/tmpfile-linked.txt")" "from O_TMPFILE" || return 1
    expect mode "$(stat -c %a "$M/tmpfile-linked.txt")" 640 || return 1
    expect "unnamed O_TMPFILE in a directory" "$(op tmpfile "$M/locks")" OK
}

statx_btime() {
    printf statx > "$M/statx.txt" || return 1
    out=$(op statx "$M/statx.txt")
    echo "$out"
    case "$out" in mask=*) ;; *) return 1 ;; esac
    expect size "$(echo "$out" | sed 's/.*size=\([0-9]*\).*/\1/')" 5 || return 1
    mask=$(echo "$out" | sed 's/mask=\(0x[0-9a-f]*\).*/\1/')
    # FUSE STATX (btime) exists from Linux 6.6 on; older guests never ask the daemon for it.
    major=$(uname -r | cut -d. -f1); minor=$(uname -r | cut -d. -f2)
    if [ "$major" -gt 6 ] || { [ "$major" -eq 6 ] && [ "$minor" -ge 6 ]; }; then
        [ $((mask & 0x800)) -ne 0 ] || { echo "no STATX_BTIME from a $(uname -r) guest"; return 1; }
    else
        echo "btime not expected from a $(uname -r) guest"
    fi
}

user_xattrs() {
    printf xattr > "$M/xattr-file" || return 1
    expect "set user.*" "$(op setxattr "$M/xattr-file" user.conformance 0123456789abcdef)" OK || return 1
    expect "size probe" "$(op getxattr-size "$M/xattr-file" user.conformance 0)" 16 || return 1
    expect "too small a buffer" "$(op getxattr-size "$M/xattr-file" user.conformance 4)" ERANGE || return 1
    expect "exact buffer" "$(op getxattr-size "$M/xattr-file" user.conformance 16)" 16 || return 1
    expect "missing attribute" "$(op getxattr-size "$M/xattr-file" user.missing 16)" ENODATA || return 1
    # "user.conformance\0" and whatever else the host fs lists
    list=$(op listxattr-size "$M/xattr-file" 0)
    [ "$list" -ge 17 ] 2>/dev/null || { echo "list size $list"; return 1; }
    expect "list too small" "$(op listxattr-size "$M/xattr-file" 3)" ERANGE || return 1
    getfattr --absolute-names -m - "$M/xattr-file" > /tmp/xattr.names 2>&1
    grep -qx user.conformance /tmp/xattr.names || { echo "name not listed:"; cat /tmp/xattr.names; return 1; }
    expect value "$(getfattr --absolute-names --only-values -n user.conformance "$M/xattr-file")" 0123456789abcdef || return 1
    setfattr -x user.conformance "$M/xattr-file" || return 1
    expect "removed" "$(op getxattr-size "$M/xattr-file" user.conformance 0)" ENODATA || return 1
    setfattr -n user.conformance -v 0x00ff0a2f "$M/xattr-file" || return 1
    expect "binary value" "$(getfattr --absolute-names -e hex -n user.conformance "$M/xattr-file" | grep '^user')" \
        user.conformance=0x00ff0a2f
}

# Guest root may use trusted.* as on a local file system.
trusted_xattrs() {
    printf trusted > "$M/trusted-file" || return 1
    expect "set trusted.*" "$(op setxattr "$M/trusted-file" trusted.conformance root-only)" OK || return 1
    expect "read back" "$(getfattr --absolute-names --only-values -n trusted.conformance "$M/trusted-file")" root-only || return 1
    getfattr --absolute-names -m - "$M/trusted-file" | grep -qx trusted.conformance || { echo "not listed"; return 1; }
}

special_files() {
    mkfifo "$M/fifo" && mknod "$M/chardev" c 1 3 || return 1
    # The daemon must not open a FIFO (no writer: it would block) for attribute operations.
    timeout 20 chmod 600 "$M/fifo" || { echo "chmod of the FIFO failed or hung"; return 1; }
    timeout 20 touch -d '2002-02-02 02:02:02' "$M/fifo" || { echo "touch of the FIFO failed or hung"; return 1; }
    # An ACL is the xattr a FIFO takes (user.* is not allowed on special files).
    timeout 20 setfacl -m u:1000:r "$M/fifo" || { echo "setxattr on the FIFO failed or hung"; return 1; }
    timeout 20 getfacl -n -p "$M/fifo" | grep -qx 'user:1000:r--' || { echo "the FIFO's ACL not read back"; return 1; }
    timeout 20 chmod 600 "$M/fifo" || { echo "second chmod of the FIFO failed or hung"; return 1; }
    drop_caches
    expect "FIFO" "$(stat -c '%F %a %Y' "$M/fifo")" "fifo 600 1012615322" || return 1
    expect "device" "$(stat -c '%F %t:%T' "$M/chardev")" "character special file 1:3" || return 1
    expect "reading the device" "$(head -c 4 "$M/chardev" | wc -c)" 0 || return 1
    ln -s fifo "$M/sym-utime" || return 1
    expect "utimensat on a symlink" "$(op utimens-nofollow "$M/sym-utime" 1000000000)" OK || return 1
    drop_caches
    expect "symlink mtime" "$(stat -c %Y "$M/sym-utime")" 1000000000 || return 1
    expect "target mtime kept" "$(stat -c %Y "$M/fifo")" 1012615322
}

suid_cleared_by_chown() {
    printf 'suid\n' > "$M/suid-chown.bin" && chmod 4755 "$M/suid-chown.bin" || return 1
    chown 1000:1000 "$M/suid-chown.bin" || return 1
    drop_caches
    expect "mode after chown" "$(stat -c '%a %u:%g' "$M/suid-chown.bin")" "755 1000:1000" || return 1
    # For the user phase: a set-id file anybody may write.
    printf 'suid\n' > "$M/suid-write.bin" && chmod 6777 "$M/suid-write.bin"
}

acl_round_trip() {
    printf acl > "$M/acl-file" || return 1
    setfacl -m u:1000:rw,g:2000:r "$M/acl-file" || return 1
    drop_caches
    getfacl -n -p "$M/acl-file" > /tmp/acl.out 2>&1 || { cat /tmp/acl.out; return 1; }
    grep -qx 'user:1000:rw-' /tmp/acl.out || { echo "no user:1000 entry:"; cat /tmp/acl.out; return 1; }
    grep -qx 'group:2000:r--' /tmp/acl.out || { echo "no group:2000 entry"; return 1; }
    expect "mode shows the mask" "$(stat -c %a "$M/acl-file")" 664 || return 1
    setfacl -b "$M/acl-file" || return 1
    getfacl -n -p "$M/acl-file" | grep -q 'user:1000' && { echo "ACL not removed"; return 1; }
    return 0
}

# A default ACL decides the mode of what is created below it; the umask does not apply.
acl_default_inheritance() {
    mkdir "$M/acl-dir" || return 1
    setfacl -d -m u::rwx,g::r-x,o::---,u:1000:rwx,m::rwx "$M/acl-dir" || return 1
    (umask 077 && printf inherited > "$M/acl-dir/inherited" && mkdir "$M/acl-dir/subdir") || return 1
    drop_caches
    getfacl -n -p "$M/acl-dir/inherited" > /tmp/acl.out 2>&1 || { cat /tmp/acl.out; return 1; }
    grep -q '^user:1000:rw' /tmp/acl.out || { echo "no inherited user:1000 entry:"; cat /tmp/acl.out; return 1; }
    expect "file mode (umask 077 ignored)" "$(stat -c %a "$M/acl-dir/inherited")" 660 || return 1
    expect "directory mode" "$(stat -c %a "$M/acl-dir/subdir")" 770 || return 1
    getfacl -n -p -d "$M/acl-dir/subdir" | grep -q '^user:1000:rwx' || { echo "subdir has no default ACL"; return 1; }
}

# Two guest processes: one holds a POSIX lock, the other fails to take it, then waits for it.
posix_lock_two_processes() {
    f=$M/locks/posix.lock
    : > "$f" && rm -f /tmp/p.* || return 1
    perl $OP lockhold "$f" posix /tmp/p.ready /tmp/p.release > /tmp/p.holder & holder=$!
    wait_for /tmp/p.ready || { echo "the holder never got the lock: $(cat /tmp/p.holder)"; return 1; }
    r=0
    expect "F_SETLK while held" "$(op setlk "$f" w)" EAGAIN || r=1
    expect "F_GETLK while held" "$(op getlk "$f" r)" F_WRLCK || r=1
    expect "host probe while held" "$(host_request probe-posix-lock)" conflict || r=1
    perl $OP lockwait "$f" posix /tmp/p.got > /tmp/p.waiter & waiter=$!
    sleep 1
    [ ! -e /tmp/p.got ] || { echo "the waiter got the lock while it was held"; r=1; }
    touch /tmp/p.release
    wait_for /tmp/p.got 30 || { echo "the waiter never got the lock after release"; r=1; }
    wait_gone $holder && wait_gone $waiter
    expect "F_GETLK after both ended" "$(op getlk "$f" w)" F_UNLCK || r=1
    expect "host probe after release" "$(host_request probe-posix-lock)" free || r=1
    return $r
}

# A lock the host holds keeps the guest out until the host releases it.
posix_lock_host_holder() {
    : > "$M/locks/host.lock" || return 1
    expect "host takes its lock" "$(host_request take-host-lock)" taken || return 1
    r=0
    expect "F_SETLK against the host's lock" "$(op setlk "$M/locks/host.lock" w)" EAGAIN || r=1
    expect "host releases" "$(host_request release-host-lock)" released || r=1
    expect "F_SETLK after the host released" "$(op setlk "$M/locks/host.lock" w)" OK || r=1
    return $r
}

# A process killed while it waits in F_SETLKW: the rest keeps working and the lock ends up free.
posix_lock_killed_waiter() {
    f=$M/locks/kill.lock
    : > "$f" && rm -f /tmp/k.* || return 1
    perl $OP lockhold "$f" posix /tmp/k.ready /tmp/k.release > /tmp/k.holder & holder=$!
    wait_for /tmp/k.ready || { echo "the holder never got the lock"; return 1; }
    perl $OP lockwait "$f" posix /tmp/k.got > /tmp/k.waiter & waiter=$!
    sleep 1
    kill -9 $waiter
    r=0
    printf 'alive\n' > "$M/locks/after-kill.txt" || r=1
    expect "I/O after the kill" "$(cat "$M/locks/after-kill.txt")" alive || r=1
    expect "F_SETLK of another file" "$(op setlk "$M/locks/posix.lock" w)" OK || r=1
    expect "F_GETLK still sees the holder" "$(op getlk "$f" r)" F_WRLCK || r=1
    touch /tmp/k.release
    wait_gone $holder 30 || { echo "the holder did not end"; r=1; }
    wait_gone $waiter 30 || { echo "the killed waiter did not end"; r=1; }
    [ ! -e /tmp/k.got ] || { echo "the killed waiter reported the lock"; r=1; }
    expect "F_SETLK once all ended" "$(op setlk "$f" w)" OK || r=1
    expect "host probe once all ended" "$(host_request probe-kill-lock)" free || r=1
    return $r
}

flock_exclusion() {
    f=$M/locks/flock.lock
    : > "$f" && rm -f /tmp/f.* || return 1
    perl $OP lockhold "$f" flock /tmp/f.ready /tmp/f.release > /tmp/f.holder & holder=$!
    wait_for /tmp/f.ready || { echo "the holder never got the flock"; return 1; }
    r=0
    expect "LOCK_NB while held" "$(op flock-nb "$f")" EAGAIN || r=1
    expect "host flock -n while held" "$(host_request probe-flock)" conflict || r=1
    perl $OP lockwait "$f" flock /tmp/f.got > /tmp/f.waiter & waiter=$!
    sleep 1
    [ ! -e /tmp/f.got ] || { echo "the waiter got the flock while it was held"; r=1; }
    touch /tmp/f.release
    wait_for /tmp/f.got 30 || { echo "the waiter never got the flock"; r=1; }
    wait_gone $holder && wait_gone $waiter
    expect "LOCK_NB after both ended" "$(op flock-nb "$f")" OK || r=1
    expect "host flock -n after release" "$(host_request probe-flock)" free || r=1
    return $r
}

root_phase() {
    chmod 1777 /tmp
    check errno errno_fidelity
    check name-length name_lengths
    check byte-names all_byte_names
    check rename-across rename_across_directories
    check rename-over-dir rename_over_directories
    check rename-flags rename_flags
    check append-concurrent append_concurrent
    check truncate-open truncate_open_file
    check unlink-open unlink_open_file
    check punch-hole punch_hole
    check seek-data-hole seek_data_hole
    check copy-file-range copy_range
    check tmpfile tmpfile_linkat
    check statx statx_btime
    check xattr user_xattrs
    check xattr-trusted trusted_xattrs
    check special-files special_files
    check chown-clears-suid suid_cleared_by_chown
    check acl acl_round_trip
    check acl-default acl_default_inheritance
    check posix-lock posix_lock_two_processes
    check posix-lock-host posix_lock_host_holder
    check posix-lock-killed-waiter posix_lock_killed_waiter
    check flock flock_exclusion
}

# ---------------------------------------------------------------- user phase (tester) -------

identity() {
    expect "ids" "$(id -u):$(id -g):$(id -G)" "1000:1000:1000"
}

ownership_of_created_files() {
    h=$M/user-home
    printf owned > "$h/owned.txt" && mkdir "$h/owned-dir" && ln -s owned.txt "$h/owned-link" \
        && mkfifo "$h/owned-fifo" || return 1
    for name in owned.txt owned-dir owned-link owned-fifo; do
        expect "owner of $name" "$(stat -c %u:%g "$h/$name")" 1000:1000 || return 1
    done
}

user_tmpfile() {
    expect "O_TMPFILE + linkat" "$(op tmpfile "$M/user-home" 600 tmp "$M/user-home/owned-tmpfile.txt")" OK || return 1
    expect "owner" "$(stat -c %u:%g "$M/user-home/owned-tmpfile.txt")" 1000:1000
}

permission_denied() {
    r=0
    expect "create in a root 0755 directory" "$(op open "$M/locked-dir/x" create)" EACCES || r=1
    expect "mkdir in a root 0755 directory" "$(op mkdir "$M/locked-dir/d")" EACCES || r=1
    expect "read a root 0600 file" "$(op open "$M/private.txt" r)" EACCES || r=1
    expect "write a root 0644 file" "$(op open "$M/readonly.txt" w)" EACCES || r=1
    expect "truncate a root 0644 file" "$(op truncate "$M/readonly.txt" 0)" EACCES || r=1
    expect "unlink from a root directory" "$(op unlink "$M/readonly.txt")" EACCES || r=1
    expect "rename out of a root directory" "$(op rename "$M/readonly.txt" "$M/user-home/stolen")" EACCES || r=1
    expect "chmod of another's file" "$(op chmod 666 "$M/readonly.txt")" EPERM || r=1
    expect "chown of another's file" "$(op chown 1000 1000 "$M/readonly.txt")" EPERM || r=1
    expect "chown of an own file to root" "$(op chown 0 1000 "$M/user-home/owned.txt")" EPERM || r=1
    expect "chgrp to a foreign group" "$(op chown -1 2000 "$M/user-home/owned.txt")" EPERM || r=1
    expect "user.* xattr on another's file" "$(op setxattr "$M/readonly.txt" user.x y)" EACCES || r=1
    expect "trusted.* xattr" "$(op setxattr "$M/user-home/owned.txt" trusted.x y)" EPERM || r=1
    expect "user.* xattr on an own file" "$(op setxattr "$M/user-home/owned.txt" user.mine yes)" OK || r=1
    expect "readonly.txt unchanged" "$(cat "$M/readonly.txt")" "read only" || r=1
    return $r
}

sticky_directory() {
    s=$M/sticky
    printf mine > "$s/mine.txt" && printf gone > "$s/mine-removed.txt" || return 1
    r=0
    expect "unlink another's file" "$(op unlink "$s/others-file")" EPERM || r=1
    expect "rename another's file" "$(op rename "$s/others-file" "$s/taken")" EPERM || r=1
    expect "rename over another's file" "$(op rename "$s/mine.txt" "$s/others-file")" EPERM || r=1
    expect "write another's 0666 file" "$(printf ok > "$s/others-file" && echo OK)" OK || r=1
    expect "unlink an own file" "$(op unlink "$s/mine-removed.txt")" OK || r=1
    expect "owner of mine.txt" "$(stat -c %u:%g "$s/mine.txt")" 1000:1000 || r=1
    return $r
}

setgid_directory() {
    g=$M/setgid
    printf child > "$g/child.txt" && mkdir "$g/child-dir" || return 1
    expect "file group" "$(stat -c %u:%g "$g/child.txt")" 1000:2000 || return 1
    expect "directory group and mode" "$(stat -c '%u:%g %A' "$g/child-dir")" "1000:2000 drwxr-sr-x"
}

umask_applies() {
    (umask 027 && printf umask > "$M/user-home/umask.txt" && mkdir "$M/user-home/umask-dir") || return 1
    expect "file mode" "$(stat -c %a "$M/user-home/umask.txt")" 640 || return 1
    expect "directory mode" "$(stat -c %a "$M/user-home/umask-dir")" 750
}

suid_cleared_by_write() {
    printf 'written by tester\n' >> "$M/suid-write.bin" || return 1
    expect "mode after write" "$(stat -c %a "$M/suid-write.bin")" 777
}

user_locks() {
    f=$M/user-home/user.lock
    : > "$f" || return 1
    expect "F_SETLK on an own file" "$(op setlk "$f" w)" OK || return 1
    expect "flock on an own file" "$(op flock-nb "$f")" OK
}

user_phase() {
    cd "$M" || exit 1
    check identity identity
    check owner ownership_of_created_files
    check tmpfile user_tmpfile
    check permissions permission_denied
    check sticky sticky_directory
    check setgid setgid_directory
    check umask umask_applies
    check suid-write suid_cleared_by_write
    check locks user_locks
}

# ---------------------------------------------------------------- main ----------------------

if [ "$PHASE" = user ]; then
    user_phase
    echo "USER-PHASE-DONE failures=$failures"
    [ $failures -eq 0 ]
    exit
fi

write_op_helper
root_phase
sync
perl $OP asuser 1000 1000 sh "$0" user
user_status=$?
[ $user_status -eq 0 ] || failures=$((failures + 1))
sync
echo "CHECKS-DONE failures=$failures"
[ $failures -eq 0 ]
