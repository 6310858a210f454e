#!/bin/sh
# Guest side of LocksGuestIT: POSIX record locks (fcntl) and flock(2) locks on the virtio-fs share,
# served on the host by a daemon started with --posix-lock --flock. Runs in busybox sh as root;
# perl (copied into the guest by build-guest.sh) takes the locks with its fcntl and flock builtins.
#
# Each check prints one line:  CHECK <name> PASS|FAIL <detail>
# A check that needs the host prints:  HOST-REQUEST <what>  and waits for its effect.
# The host test prepares before the boot:
#   host-locked.txt    a file the host holds a whole-file write lock on (fcntl) during the run
# and answers HOST-REQUEST probe-guest-lock by trying to lock guest-locked.txt itself, writing
# FREE or BUSY into host-probe.txt.

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

# lk.pl posix FILE r|w try|wait [RELEASE] [MARKER]   fcntl F_SETLK/F_SETLKW on the whole file
# lk.pl flock FILE sh|ex try|wait [RELEASE] [MARKER]  flock(2), with LOCK_NB for try
# lk.pl getlk FILE                                     F_GETLK for a write lock
# Prints GOT (then creates MARKER and holds the lock until RELEASE exists) or BUSY <error>.
cat > /tmp/lk.pl <<'EOF'
$| = 1;
my ($mode, $file, $kind, $how, $release, $marker) = @ARGV;
open(my $fh, "+<", $file) or die "open $file: $!\n";
# struct flock on x86_64: short l_type, short l_whence, off_t l_start, off_t l_len, pid_t l_pid
my $layout = "s s x4 q q i x4";
if ($mode eq "getlk") {
    my $lk = pack($layout, 1, 0, 0, 0, 0);
    fcntl($fh, 5, $lk) or die "F_GETLK: $!\n";
    my ($type, $whence, $start, $len) = unpack($layout, $lk);
    print $type == 2 ? "UNLCK\n" : "LOCKED type=$type start=$start len=$len\n";
    exit 0;
}
my $ok;
if ($mode eq "posix") {
    my $lk = pack($layout, $kind eq "r" ? 0 : 1, 0, 0, 0, 0);
    $ok = fcntl($fh, $how eq "wait" ? 7 : 6, $lk);
} else {
    $ok = flock($fh, ($kind eq "sh" ? 1 : 2) | ($how eq "wait" ? 0 : 4));
}
if (!$ok) { print "BUSY $!\n"; exit 3; }
print "GOT\n";
if ($marker) { open(my $m, ">", $marker) or die; close $m; }
if ($release) { select(undef, undef, undef, 0.05) until -e $release; }
exit 0;
EOF

lk() {
    perl /tmp/lk.pl "$@"
}

# wait_for FILE: up to 20 s for FILE to appear.
wait_for() {
    polls=0
    while [ ! -e "$1" ]; do
        polls=$((polls + 1))
        [ $polls -le 100 ] || { echo "$1 did not appear"; return 1; }
        sleep 0.2
    done
}

# gone PID: up to 30 s for the process to exit (a zombie counts as exited).
gone() {
    polls=0
    while [ -e "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; do
        polls=$((polls + 1))
        [ $polls -le 150 ] || { echo "process $1 did not exit"; return 1; }
        sleep 0.2
    done
    wait "$1" 2>/dev/null
    return 0
}

# The share keeps serving while a lock request waits.
share_works() {
    echo "$1" > "$M/alive-$1.txt" || return 1
    expect "alive-$1.txt" "$(cat "$M/alive-$1.txt")" "$1" || return 1
    ls "$M" > /dev/null
}

posix_exclusion() {
    f=$M/posix.lock
    echo data > "$f"
    rm -f /tmp/rel1 /tmp/held1 /tmp/got1
    lk posix "$f" w wait /tmp/rel1 /tmp/held1 > /tmp/holder1.out &
    holder=$!
    wait_for /tmp/held1 || return 1
    expect "try while held" "$(lk posix "$f" r try | cut -d' ' -f1)" BUSY || return 1
    lk posix "$f" w wait "" /tmp/got1 > /tmp/waiter1.out &
    waiter=$!
    sleep 1
    [ ! -e /tmp/got1 ] || { echo "the waiter got the lock while it was held"; return 1; }
    share_works posix || return 1
    touch /tmp/rel1
    gone $holder || return 1
    wait_for /tmp/got1 || return 1
    gone $waiter || return 1
    expect "waiter" "$(cat /tmp/waiter1.out)" GOT || return 1
    expect "try after both" "$(lk posix "$f" w try)" GOT
}

kill_waiter() {
    f=$M/kill.lock
    echo data > "$f"
    rm -f /tmp/rel2 /tmp/held2 /tmp/got2
    lk posix "$f" w wait /tmp/rel2 /tmp/held2 > /dev/null &
    holder=$!
    wait_for /tmp/held2 || return 1
    lk posix "$f" w wait "" /tmp/got2 > /dev/null &
    waiter=$!
    sleep 1
    [ ! -e /tmp/got2 ] || { echo "the waiter got the lock while it was held"; return 1; }
    kill -9 $waiter
    sleep 0.5
    # The killed waiter's request is still pending in the daemon: everything else goes on.
    share_works kill || return 1
    expect "try while held" "$(lk posix "$f" w try | cut -d' ' -f1)" BUSY || return 1
    touch /tmp/rel2
    gone $holder || return 1
    # The pending request is granted, the killed process exits, its close drops the lock.
    gone $waiter || return 1
    polls=0
    until [ "$(lk posix "$f" w try)" = GOT ]; do
        polls=$((polls + 1))
        [ $polls -le 50 ] || { echo "the lock was not freed after the killed waiter exited"; return 1; }
        sleep 0.2
    done
    echo "freed after $polls retries"
}

flock_exclusion() {
    f=$M/flock.lock
    echo data > "$f"
    rm -f /tmp/rel3 /tmp/held3 /tmp/got3
    lk flock "$f" ex wait /tmp/rel3 /tmp/held3 > /dev/null &
    holder=$!
    wait_for /tmp/held3 || return 1
    expect "shared try while held" "$(lk flock "$f" sh try | cut -d' ' -f1)" BUSY || return 1
    lk flock "$f" ex wait "" /tmp/got3 > /tmp/waiter3.out &
    waiter=$!
    sleep 1
    [ ! -e /tmp/got3 ] || { echo "the waiter got the flock while it was held"; return 1; }
    share_works flock || return 1
    touch /tmp/rel3
    gone $holder || return 1
    wait_for /tmp/got3 || return 1
    gone $waiter || return 1
    expect "try after both" "$(lk flock "$f" ex try)" GOT
}

host_sees_guest_lock() {
    f=$M/guest-locked.txt
    echo data > "$f"
    rm -f /tmp/rel4 /tmp/held4 "$M/host-probe.txt"
    lk posix "$f" w wait /tmp/rel4 /tmp/held4 > /dev/null &
    holder=$!
    wait_for /tmp/held4 || return 1
    echo "HOST-REQUEST probe-guest-lock" > /dev/console
    wait_for "$M/host-probe.txt" || { touch /tmp/rel4; return 1; }
    touch /tmp/rel4
    gone $holder
    expect "the host's try while the guest holds the lock" "$(cat "$M/host-probe.txt")" BUSY
}

guest_sees_host_lock() {
    f=$M/host-locked.txt
    expect "try" "$(lk posix "$f" r try | cut -d' ' -f1)" BUSY || return 1
    expect "getlk" "$(lk getlk "$f" | cut -d' ' -f1)" LOCKED
}

check posix-exclusion posix_exclusion
check kill-waiter kill_waiter
check flock-exclusion flock_exclusion
check host-sees-guest-lock host_sees_guest_lock
check guest-sees-host-lock guest_sees_host_lock
echo "CHECKS-DONE failures=$failures"
