package dev.jvirtiofsd.daemon.sys;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.SaveError;

/**
 * The calling thread's capability sets, bounding set, securebits and no_new_privs, for the
 * start-up step that gives up what the daemon does not need. Each of these is a property of
 * one thread (threads made later inherit it), so every call affects the calling thread only.
 * Each returns 0 (or the value asked for) or a negative errno. x86_64 syscall numbers.
 */
public final class CapabilityCalls {

    /** prctl(2) with all five arguments: several options insist that the unused ones are 0. */
    @SaveError
    public interface CapabilityLibC {
        int prctl(int option, long arg2, long arg3, long arg4, Pointer arg5);

        /** capset(2) and capget(2) through syscall(2). */
        long syscall(long number, Pointer header, Pointer data);
    }

    private static final long SYS_CAPGET = 125;
    private static final long SYS_CAPSET = 126;

    /** linux/prctl.h. */
    static final int PR_CAPBSET_READ = 23;
    static final int PR_CAPBSET_DROP = 24;
    static final int PR_GET_SECUREBITS = 27;
    static final int PR_SET_SECUREBITS = 28;
    static final int PR_SET_NO_NEW_PRIVS = 38;
    static final int PR_GET_NO_NEW_PRIVS = 39;
    static final int PR_CAP_AMBIENT = 47;
    static final int PR_CAP_AMBIENT_IS_SET = 1;
    static final int PR_CAP_AMBIENT_CLEAR_ALL = 4;

    /** linux/securebits.h. */
    public static final int SECBIT_NO_SETUID_FIXUP = 1 << 2;
    public static final int SECBIT_NO_SETUID_FIXUP_LOCKED = 1 << 3;

    static final int LINUX_CAPABILITY_VERSION_3 = 0x20080522;

    private static final CapabilityLibC LIBC = LibraryLoader.create(CapabilityLibC.class).load("c");

    /** capget/capset: the 8-byte header, then two 12-byte data structs (capabilities 0-31, 32-63). */
    private static final int HEADER_BYTES = 8;
    private static final int DATA_BYTES = 12;
    private static final int EFFECTIVE = 0;
    private static final int PERMITTED = 4;
    private static final int INHERITABLE = 8;

    private CapabilityCalls() {
    }

    /** The calling thread's three capability sets as bit masks (bit n = capability n). */
    public record Sets(long effective, long permitted, long inheritable) {
    }

    /** The calling thread's capability sets; throws with the errno if capget fails. */
    public static Sets get() throws ErrnoException {
        Pointer header = header();
        Pointer data = Native.allocate(2 * DATA_BYTES);
        long ret = LIBC.syscall(SYS_CAPGET, header, data);
        if (ret < 0) {
            throw new ErrnoException("capget", -Native.negErrno());
        }
        return new Sets(mask(data, EFFECTIVE), mask(data, PERMITTED), mask(data, INHERITABLE));
    }

    /** Sets the calling thread's effective, permitted and inheritable sets at once. */
    public static int set(long effective, long permitted, long inheritable) {
        Pointer data = Native.allocate(2 * DATA_BYTES);
        put(data, EFFECTIVE, effective);
        put(data, PERMITTED, permitted);
        put(data, INHERITABLE, inheritable);
        long ret = LIBC.syscall(SYS_CAPSET, header(), data);
        return ret < 0 ? Native.negErrno() : 0;
    }

    /** Removes {@code capability} from the calling thread's bounding set (needs CAP_SETPCAP). */
    public static int dropFromBoundingSet(int capability) {
        return Native.result(LIBC.prctl(PR_CAPBSET_DROP, capability, 0, 0, null));
    }

    /** 1 if {@code capability} is in the calling thread's bounding set, 0 if not, or a negative errno. */
    public static int inBoundingSet(int capability) {
        return Native.result(LIBC.prctl(PR_CAPBSET_READ, capability, 0, 0, null));
    }

    /** Empties the calling thread's ambient set. */
    public static int clearAmbientSet() {
        return Native.result(LIBC.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, null));
    }

    /** 1 if {@code capability} is in the calling thread's ambient set, 0 if not, or a negative errno. */
    public static int inAmbientSet(int capability) {
        return Native.result(LIBC.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, capability, 0, null));
    }

    public static int securebits() {
        return Native.result(LIBC.prctl(PR_GET_SECUREBITS, 0, 0, 0, null));
    }

    /** Sets the calling thread's securebits (needs CAP_SETPCAP). */
    public static int setSecurebits(int bits) {
        return Native.result(LIBC.prctl(PR_SET_SECUREBITS, Integer.toUnsignedLong(bits), 0, 0, null));
    }

    /** PR_SET_NO_NEW_PRIVS: no execve by this thread or its descendants can gain privileges. */
    public static int setNoNewPrivs() {
        return Native.result(LIBC.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, null));
    }

    /** 1 if no_new_privs is set on the calling thread, else 0, or a negative errno. */
    public static int noNewPrivs() {
        return Native.result(LIBC.prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, null));
    }

    private static Pointer header() {
        Pointer header = Native.allocate(HEADER_BYTES);
        header.putInt(0, LINUX_CAPABILITY_VERSION_3);
        header.putInt(4, 0); // pid 0: the calling thread
        return header;
    }

    private static long mask(Pointer data, int field) {
        long low = Integer.toUnsignedLong(data.getInt(field));
        long high = Integer.toUnsignedLong(data.getInt(DATA_BYTES + field));
        return low | high << 32;
    }

    private static void put(Pointer data, int field, long mask) {
        data.putInt(field, (int) mask);
        data.putInt(DATA_BYTES + field, (int) (mask >>> 32));
    }
}
