package dev.jvirtiofsd.daemon.seccomp;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The x86-64 system calls the running daemon may make once its filter is installed, grouped by
 * who needs them. Start-up (class path, native libraries, socket creation, sandbox) is over by
 * then, so nothing here opens sockets, executes programs, mounts or changes namespaces beyond
 * {@code unshare(CLONE_FS)}.
 *
 * <p>The list was found by running the test suites, guest tests included, on JDK 17 and 25 under
 * {@code --seccomp=log} and reading the kernel's audit records (type 1326), and checked against
 * the native bindings of the daemon's and vhost-user's {@code sys} packages. Numbers are those of
 * asm/unistd_64.h (a test compares them with the installed header).
 */
public final class SyscallAllowlist {
    private static final Map<String, Integer> ALLOWED = new LinkedHashMap<>();

    static {
        // JVM memory: heap, metaspace, code cache, thread stacks, direct buffers, native malloc.
        allow("brk", 12);
        allow("mmap", 9);
        allow("munmap", 11);
        allow("mprotect", 10);
        allow("mremap", 25);
        allow("madvise", 28);
        allow("membarrier", 324);

        // JVM threads and their synchronisation: Object.wait, locks, parking, safepoints, and
        // the pool/queue threads the daemon starts after the filter is in place.
        allow("clone", 56);
        allow("clone3", 435);
        allow("set_robust_list", 273);
        allow("rseq", 334);
        allow("futex", 202);
        allow("sched_yield", 24);
        allow("sched_getaffinity", 204);
        allow("gettid", 186);
        allow("getpid", 39);
        allow("exit", 60);
        allow("exit_group", 231);
        allow("restart_syscall", 219);

        // JVM signals: handlers, masks, per-thread alternate stacks, thread-directed signals.
        allow("rt_sigaction", 13);
        allow("rt_sigprocmask", 14);
        allow("rt_sigreturn", 15);
        allow("sigaltstack", 131);
        allow("tgkill", 234);
        allow("tkill", 200);

        // Time: System.nanoTime/currentTimeMillis (vDSO fallback), timed waits, sleeps.
        allow("clock_gettime", 228);
        allow("clock_getres", 229);
        allow("clock_nanosleep", 230);
        allow("nanosleep", 35);
        allow("gettimeofday", 96);

        // JVM housekeeping at run time: memory and CPU queries, thread names, entropy.
        allow("sysinfo", 99);
        allow("getrusage", 98);
        allow("prctl", 157);
        allow("getrandom", 318);
        // At exit the JVM deletes its /tmp/hsperfdata_USER/PID file (unless -XX:-UsePerfData, as
        // the launcher runs it); unlink can do nothing unlinkat cannot.
        allow("unlink", 87);

        // Lazy class loading from the already open jars, logging to stderr, /proc reads.
        allow("read", 0);
        allow("write", 1);
        allow("pread64", 17);
        allow("lseek", 8);
        allow("fstat", 5);
        allow("newfstatat", 262);
        allow("statx", 332);
        allow("close", 3);
        allow("fcntl", 72);
        allow("dup", 32);
        allow("ioctl", 16);

        // vhost-user: the frontend's socket (messages with fds), guest memory regions, kick
        // and call eventfds, one epoll loop per queue.
        allow("recvmsg", 47);
        allow("sendmsg", 46);
        allow("shutdown", 48);
        allow("getsockopt", 55);
        allow("poll", 7);
        allow("ppoll", 271);
        allow("eventfd2", 290);
        allow("epoll_create1", 291);
        allow("epoll_ctl", 233);
        allow("epoll_wait", 232);
        allow("epoll_pwait", 281);

        // Passthrough filesystem: fd-relative path operations.
        allow("openat", 257);
        allow("openat2", 437);
        allow("open_by_handle_at", 304);
        allow("name_to_handle_at", 303);
        allow("mkdirat", 258);
        allow("mknodat", 259);
        allow("symlinkat", 266);
        allow("linkat", 265);
        allow("unlinkat", 263);
        allow("renameat", 264);
        allow("renameat2", 316);
        allow("readlinkat", 267);
        allow("getdents64", 217);
        allow("fchdir", 81);

        // Passthrough filesystem: attributes.
        allow("fchmod", 91);
        allow("fchmodat", 268);
        allow("fchownat", 260);
        allow("utimensat", 280);
        allow("fstatfs", 138);

        // Passthrough filesystem: data, sizes, durability, locks.
        allow("preadv", 295);
        allow("pwritev", 296);
        allow("preadv2", 327);
        allow("pwritev2", 328);
        allow("readv", 19);
        allow("writev", 20);
        allow("pwrite64", 18);
        allow("copy_file_range", 326);
        allow("ftruncate", 77);
        allow("fallocate", 285);
        allow("fsync", 74);
        allow("fdatasync", 75);
        allow("syncfs", 306);
        allow("flock", 73);

        // Passthrough filesystem: extended attributes (by fd, and by /proc/self/fd path for
        // files that cannot be opened, such as sockets and devices).
        allow("fgetxattr", 193);
        allow("fsetxattr", 190);
        allow("flistxattr", 196);
        allow("fremovexattr", 199);
        allow("getxattr", 191);
        allow("setxattr", 188);
        allow("listxattr", 194);
        allow("removexattr", 197);

        // Per-request identity on the worker threads: raw per-thread id switches, supplementary
        // groups, capabilities kept across them, a private umask and cwd (unshare(CLONE_FS)).
        allow("setresuid", 117);
        allow("setresgid", 119);
        allow("setgroups", 116);
        allow("getgroups", 115);
        allow("geteuid", 107);
        allow("getegid", 108);
        allow("getuid", 102);
        allow("getgid", 104);
        allow("capget", 125);
        allow("capset", 126);
        allow("unshare", 272);
        allow("umask", 95);
    }

    /**
     * With {@code --syslog} only: each log line is a send(2) on the connected system log socket,
     * which is the sendto system call (as the Rust virtiofsd adds with --syslog).
     */
    private static final Map<String, Integer> SYSLOG = Map.of("sendto", 44);

    private SyscallAllowlist() {
    }

    private static void allow(String name, int number) {
        if (ALLOWED.put(name, number) != null) {
            throw new IllegalStateException("listed twice: " + name);
        }
    }

    /** Name to x86-64 number, in the order of the groups above. */
    public static Map<String, Integer> byName() {
        return Collections.unmodifiableMap(ALLOWED);
    }

    /** The allowed numbers. */
    public static int[] numbers() {
        return numbers(false);
    }

    /** The allowed numbers, with those for logging to the system log when {@code syslog}. */
    public static int[] numbers(boolean syslog) {
        return java.util.stream.Stream.concat(ALLOWED.values().stream(), syslog ? SYSLOG.values().stream()
                : java.util.stream.Stream.empty()).mapToInt(Integer::intValue).toArray();
    }

    /** Name to x86-64 number of what {@code --syslog} adds. */
    public static Map<String, Integer> forSyslog() {
        return SYSLOG;
    }
}
