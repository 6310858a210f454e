package dev.jvirtiofsd.daemon.sys;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;

/**
 * The identity of the calling OS thread alone: effective uid and gid, supplementary groups,
 * effective capabilities, securebits and (after {@link #unshareFilesystemAttributes}) umask.
 * Every call is the raw syscall, which changes only the calling thread; glibc's wrappers of the
 * id calls would change every thread of the process. Each returns 0 (or the value asked for)
 * or a negative errno, and never throws. x86_64 syscall numbers.
 */
public final class ThreadIdentity {
    static final long SYS_GETEUID = 107;
    static final long SYS_GETEGID = 108;
    static final long SYS_GETGROUPS = 115;
    static final long SYS_SETGROUPS = 116;
    static final long SYS_SETRESUID = 117;
    static final long SYS_SETRESGID = 119;
    static final long SYS_CAPGET = 125;
    static final long SYS_CAPSET = 126;
    static final long SYS_PRCTL = 157;
    static final long SYS_UNSHARE = 272;

    /** linux/capability.h. */
    public static final int CAP_DAC_OVERRIDE = 1;
    public static final int CAP_FSETID = 4;
    static final int LINUX_CAPABILITY_VERSION_3 = 0x20080522;

    /** linux/prctl.h. */
    static final int PR_GET_SECUREBITS = 27;
    static final int PR_SET_SECUREBITS = 28;
    /** linux/securebits.h: 1 << SECURE_NO_SETUID_FIXUP. */
    public static final int SECBIT_NO_SETUID_FIXUP = 1 << 2;

    /** linux/sched.h. */
    static final int CLONE_FS = 0x00000200;

    /** NGROUPS_MAX of linux/limits.h: the most supplementary groups a thread can have. */
    public static final int NGROUPS_MAX = 65536;

    /** "Leave this id as it is" for setresuid/setresgid. */
    private static final long UNCHANGED = -1L;

    private static final IdentityLibC LIBC = LibraryLoader.create(IdentityLibC.class).load("c");

    /** capget/capset: the 8-byte header, then two 12-byte data structs (the low and high 32 capabilities). */
    private static final int CAP_HEADER = 0;
    private static final int CAP_DATA = 8;
    private static final int CAP_DATA_BYTES = 12;
    private static final int EFFECTIVE = 0;
    private static final int PERMITTED = 4;
    private static final int INHERITABLE = 8;

    private static final ThreadLocal<Pointer> CAPS = ThreadLocal.withInitial(() -> Native.allocate(8 + 2 * 12));
    private static final ThreadLocal<Pointer[]> GROUPS = ThreadLocal.withInitial(() -> new Pointer[1]);

    private ThreadIdentity() {
    }

    private static int result(long ret) {
        return ret < 0 ? Native.negErrno() : (int) ret;
    }

    /** This thread's effective uid. */
    public static int effectiveUid() {
        return (int) LIBC.syscall(SYS_GETEUID, 0, 0, 0);
    }

    /** This thread's effective gid. */
    public static int effectiveGid() {
        return (int) LIBC.syscall(SYS_GETEGID, 0, 0, 0);
    }

    /** setresuid(-1, uid, -1) for this thread; the filesystem uid follows. */
    public static int setEffectiveUid(int uid) {
        return result(LIBC.syscall(SYS_SETRESUID, UNCHANGED, Integer.toUnsignedLong(uid), UNCHANGED));
    }

    /** setresgid(-1, gid, -1) for this thread; the filesystem gid follows. */
    public static int setEffectiveGid(int gid) {
        return result(LIBC.syscall(SYS_SETRESGID, UNCHANGED, Integer.toUnsignedLong(gid), UNCHANGED));
    }

    /** Sets this thread's supplementary groups to {@code gids[0..count)} (needs CAP_SETGID). */
    public static int setGroups(int[] gids, int count) {
        if (count < 0 || count > NGROUPS_MAX || count > gids.length) {
            return -Errno.EINVAL;
        }
        if (count == 0) {
            return result(LIBC.syscall(SYS_SETGROUPS, 0L, (Pointer) null));
        }
        Pointer list = groupBuffer(count);
        list.put(0, gids, 0, count);
        return result(LIBC.syscall(SYS_SETGROUPS, count, list));
    }

    /** This thread's supplementary groups: a new array of exactly their number, or null on error. */
    public static int[] groups() {
        long count = LIBC.syscall(SYS_GETGROUPS, 0L, (Pointer) null);
        if (count < 0) {
            return null;
        }
        if (count == 0) {
            return new int[0];
        }
        Pointer list = groupBuffer((int) count);
        long got = LIBC.syscall(SYS_GETGROUPS, count, list);
        if (got < 0) {
            return null;
        }
        int[] gids = new int[(int) got];
        list.get(0, gids, 0, gids.length);
        return gids;
    }

    private static Pointer groupBuffer(int count) {
        Pointer[] holder = GROUPS.get();
        if (holder[0] == null || holder[0].size() < 4L * count) {
            holder[0] = Native.allocate(4 * Math.max(count, 32));
        }
        return holder[0];
    }

    /** This thread's effective capability set as a bit mask (bit n = capability n), or a negative errno. */
    public static long effectiveCapabilities() {
        Pointer p = CAPS.get();
        int ret = capget(p);
        return ret < 0 ? ret : capabilitySet(p, EFFECTIVE);
    }

    /** This thread's permitted capability set as a bit mask, or a negative errno. */
    public static long permittedCapabilities() {
        Pointer p = CAPS.get();
        int ret = capget(p);
        return ret < 0 ? ret : capabilitySet(p, PERMITTED);
    }

    /**
     * Makes {@code mask} this thread's effective capability set, leaving permitted and
     * inheritable as they are. Raising a capability that is not permitted fails with EPERM.
     */
    public static int setEffectiveCapabilities(long mask) {
        Pointer p = CAPS.get();
        int ret = capget(p);
        if (ret < 0) {
            return ret;
        }
        p.putInt(CAP_DATA + EFFECTIVE, (int) mask);
        p.putInt(CAP_DATA + CAP_DATA_BYTES + EFFECTIVE, (int) (mask >>> 32));
        p.putInt(CAP_HEADER, LINUX_CAPABILITY_VERSION_3);
        p.putInt(CAP_HEADER + 4, 0);
        return result(LIBC.syscall(SYS_CAPSET, p.slice(CAP_HEADER, 8), p.slice(CAP_DATA, 2 * CAP_DATA_BYTES)));
    }

    private static int capget(Pointer p) {
        p.putInt(CAP_HEADER, LINUX_CAPABILITY_VERSION_3);
        p.putInt(CAP_HEADER + 4, 0); // pid 0: the calling thread
        return result(LIBC.syscall(SYS_CAPGET, p.slice(CAP_HEADER, 8), p.slice(CAP_DATA, 2 * CAP_DATA_BYTES)));
    }

    private static long capabilitySet(Pointer p, int field) {
        long low = Integer.toUnsignedLong(p.getInt(CAP_DATA + field));
        long high = Integer.toUnsignedLong(p.getInt(CAP_DATA + CAP_DATA_BYTES + field));
        return low | high << 32;
    }

    /** This thread's securebits (SECBIT_*), or a negative errno. */
    public static int securebits() {
        return result(LIBC.syscall(SYS_PRCTL, PR_GET_SECUREBITS, 0, 0));
    }

    /** Sets this thread's securebits (needs CAP_SETPCAP). */
    public static int setSecurebits(int bits) {
        return result(LIBC.syscall(SYS_PRCTL, PR_SET_SECUREBITS, Integer.toUnsignedLong(bits), 0));
    }

    /**
     * unshare(CLONE_FS): from now on this thread has its own umask, working directory and root,
     * copied from what it shared until now. Threads made later by this one share its copy.
     */
    public static int unshareFilesystemAttributes() {
        return result(LIBC.syscall(SYS_UNSHARE, CLONE_FS, 0, 0));
    }
}
