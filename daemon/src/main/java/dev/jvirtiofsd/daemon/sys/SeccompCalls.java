package dev.jvirtiofsd.daemon.sys;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.SaveError;

/**
 * Installs a seccomp-BPF filter on every thread of the process. seccomp(2) has no glibc wrapper
 * in older releases, so it goes through syscall(2).
 */
public final class SeccompCalls {

    /** prctl and syscall in the shapes needed here (at most five arguments: jnr-ffi bug #181). */
    @SaveError
    public interface SeccompLibC {
        int prctl(int option, long arg2, long arg3, long arg4, long arg5);

        /** seccomp(operation, flags, args). */
        long syscall(long number, long operation, long flags, Pointer args);

        /** A system call with one argument (the self-test's). */
        long syscall(long number, long arg);
    }

    /** linux/prctl.h */
    static final int PR_SET_NO_NEW_PRIVS = 38;
    static final int PR_GET_NO_NEW_PRIVS = 39;
    static final int PR_GET_SECCOMP = 21;
    /** asm/unistd_64.h */
    static final long SYS_SECCOMP = 317;
    static final long SYS_GETSID = 124;
    /** linux/seccomp.h */
    static final long SECCOMP_SET_MODE_FILTER = 1;
    static final long SECCOMP_FILTER_FLAG_TSYNC = 1;

    /** Size of struct sock_filter: u16 code, u8 jt, u8 jf, u32 k. */
    public static final int SOCK_FILTER_SIZE = 8;
    /** Size of struct sock_fprog: u16 len, 6 bytes of padding, a pointer. */
    static final int SOCK_FPROG_SIZE = 16;

    private static final SeccompLibC LIBC = LibraryLoader.create(SeccompLibC.class).load("c");

    private SeccompCalls() {
    }

    /**
     * prctl(PR_SET_NO_NEW_PRIVS, 1): no later execve can gain privileges; the kernel requires it
     * (or CAP_SYS_ADMIN) before an unprivileged process installs a filter. Applies to the calling
     * thread; TSYNC then carries it to every thread along with the filter.
     */
    public static void setNoNewPrivs() throws ErrnoException {
        ErrnoException.check(Native.result(LIBC.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)), "prctl(PR_SET_NO_NEW_PRIVS)");
    }

    /** The calling thread's seccomp mode: 0 none, 2 filter. */
    public static int seccompMode() throws ErrnoException {
        return ErrnoException.check(Native.result(LIBC.prctl(PR_GET_SECCOMP, 0, 0, 0, 0)), "prctl(PR_GET_SECCOMP)");
    }

    /** Whether no_new_privs is set on the calling thread. */
    public static boolean noNewPrivs() throws ErrnoException {
        return ErrnoException.check(Native.result(LIBC.prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0)),
                "prctl(PR_GET_NO_NEW_PRIVS)") == 1;
    }

    /**
     * seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, prog): the filter applies to
     * every thread of the process now and to every thread created later.
     *
     * @param program a struct sock_filter array in native byte order, {@link #SOCK_FILTER_SIZE}
     *        bytes per instruction
     * @throws ErrnoException with the errno of seccomp(2); a positive return (a thread that could
     *         not be synchronised) is reported as EAGAIN
     */
    public static void installFilterOnAllThreads(byte[] program) throws ErrnoException {
        if (program.length == 0 || program.length % SOCK_FILTER_SIZE != 0
                || program.length / SOCK_FILTER_SIZE > 0xffff) {
            throw new IllegalArgumentException("not a sock_filter array: " + program.length + " bytes");
        }
        Pointer filter = Native.allocate(program.length);
        filter.put(0, program, 0, program.length);
        Pointer fprog = Native.allocate(SOCK_FPROG_SIZE);
        fprog.putShort(0, (short) (program.length / SOCK_FILTER_SIZE));
        fprog.putPointer(8, filter);
        long ret = LIBC.syscall(SYS_SECCOMP, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, fprog);
        if (ret > 0) {
            // TSYNC names the thread it could not synchronise instead of failing with an errno.
            throw new ErrnoException("seccomp(TSYNC): thread " + ret + " could not take the filter", Errno.EAGAIN);
        }
        ErrnoException.check((int) Native.result(ret), "seccomp(SECCOMP_SET_MODE_FILTER)");
        // Keep the memory reachable until the kernel has copied the program.
        java.lang.ref.Reference.reachabilityFence(filter);
    }

    /**
     * getsid(0): a harmless call the daemon never makes, outside its allowlist on purpose. Only
     * the self-test at start-up calls it, to prove the filter acts.
     *
     * @return the session id, or a negative errno
     */
    public static long callGetsid() {
        return Native.result(LIBC.syscall(SYS_GETSID, 0));
    }
}
