package dev.jvirtiofsd.daemon.sys;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * Host file locks: open file description (OFD) record locks ({@code F_OFD_GETLK},
 * {@code F_OFD_SETLK}, {@code F_OFD_SETLKW}), which belong to an open file description rather
 * than to a process and so work from any thread, and {@code flock(2)}. Every call returns 0 or a
 * negative errno and never throws; a conflicting lock gives {@code -EAGAIN}.
 *
 * <p>{@code struct flock} on x86_64: {@code short l_type} at 0, {@code short l_whence} at 2,
 * {@code off_t l_start} at 8, {@code off_t l_len} at 16, {@code pid_t l_pid} at 24; 32 bytes.
 * Lengths follow fcntl(2): 0 means "to the end of the file".
 */
public final class FileLocks {
    public static final int F_RDLCK = 0;
    public static final int F_WRLCK = 1;
    public static final int F_UNLCK = 2;
    public static final int F_OFD_GETLK = 36;
    public static final int F_OFD_SETLK = 37;
    public static final int F_OFD_SETLKW = 38;

    public static final int LOCK_SH = 1;
    public static final int LOCK_EX = 2;
    public static final int LOCK_NB = 4;
    public static final int LOCK_UN = 8;

    /** No locks available (the daemon's own bound on waits and lock files). */
    public static final int ENOLCK = 37;

    static final int FLOCK_SIZE = 32;
    private static final int L_TYPE = 0;
    private static final int L_WHENCE = 2;
    private static final int L_START = 8;
    private static final int L_LEN = 16;
    private static final int L_PID = 24;

    private static final LockLibC LIBC = LibraryLoader.create(LockLibC.class).load("c");
    private static final Runtime RUNTIME = Runtime.getRuntime(LIBC);
    private static final ThreadLocal<Pointer> FLOCK = ThreadLocal.withInitial(
            () -> jnr.ffi.Memory.allocateDirect(RUNTIME, FLOCK_SIZE, true));

    private FileLocks() {
    }

    /** A lock as {@code struct flock} describes it (SEEK_SET based). */
    public static final class Range {
        public int type;
        public long start;
        /** 0: to the end of the file. */
        public long length;
        /** The holder's pid from F_OFD_GETLK: -1 for an OFD lock. */
        public int pid;

        public Range set(int type, long start, long length) {
            this.type = type;
            this.start = start;
            this.length = length;
            this.pid = 0;
            return this;
        }
    }

    /**
     * Places, changes or removes ({@code F_UNLCK}) a lock on {@code fd}'s open file description;
     * with {@code wait} it blocks until no other lock conflicts (F_OFD_SETLKW).
     */
    public static int setOfd(int fd, Range range, boolean wait) {
        Pointer p = put(range);
        return result(LIBC.fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, p));
    }

    /**
     * Asks whether {@code range} could be locked through {@code fd}: on return {@code range} is the
     * first conflicting lock, or has type {@code F_UNLCK}.
     */
    public static int getOfd(int fd, Range range) {
        Pointer p = put(range);
        int ret = result(LIBC.fcntl(fd, F_OFD_GETLK, p));
        if (ret == 0) {
            range.type = p.getShort(L_TYPE);
            range.start = p.getLong(L_START);
            range.length = p.getLong(L_LEN);
            range.pid = p.getInt(L_PID);
        }
        return ret;
    }

    /** flock(2): {@code LOCK_SH}, {@code LOCK_EX} or {@code LOCK_UN}, optionally with {@code LOCK_NB}. */
    public static int flock(int fd, int operation) {
        return result(LIBC.flock(fd, operation));
    }

    private static Pointer put(Range range) {
        Pointer p = FLOCK.get();
        p.setMemory(0, FLOCK_SIZE, (byte) 0);
        p.putShort(L_TYPE, (short) range.type);
        p.putShort(L_WHENCE, (short) Fcntl.SEEK_SET);
        p.putLong(L_START, range.start);
        p.putLong(L_LEN, range.length);
        return p;
    }

    private static int result(int ret) {
        if (ret >= 0) {
            return ret;
        }
        int errno = RUNTIME.getLastError();
        // EWOULDBLOCK is EAGAIN on Linux; EACCES is what some filesystems give for a conflict.
        return errno > 0 ? -errno : -Errno.EIO;
    }
}
