package dev.jvirtiofsd.daemon.sys;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.SaveError;

/** getrlimit(2) and setrlimit(2) of RLIMIT_NOFILE: a limit of the whole process. */
public final class ResourceLimits {

    @SaveError
    public interface RlimitLibC {
        int getrlimit(int resource, Pointer rlim);

        int setrlimit(int resource, Pointer rlim);
    }

    /** sys/resource.h (x86_64). */
    static final int RLIMIT_NOFILE = 7;

    private static final RlimitLibC LIBC = LibraryLoader.create(RlimitLibC.class).load("c");

    private ResourceLimits() {
    }

    /** A soft and a hard limit ({@code struct rlimit}). */
    public record Limit(long soft, long hard) {
    }

    public static Limit openFiles() throws ErrnoException {
        Pointer rlim = Native.allocate(16);
        ErrnoException.check(Native.result(LIBC.getrlimit(RLIMIT_NOFILE, rlim)), "getrlimit(RLIMIT_NOFILE)");
        return new Limit(rlim.getLong(0), rlim.getLong(8));
    }

    /** Sets RLIMIT_NOFILE; raising the hard limit needs CAP_SYS_RESOURCE. */
    public static void setOpenFiles(long soft, long hard) throws ErrnoException {
        Pointer rlim = Native.allocate(16);
        rlim.putLong(0, soft);
        rlim.putLong(8, hard);
        ErrnoException.check(Native.result(LIBC.setrlimit(RLIMIT_NOFILE, rlim)),
                "setrlimit(RLIMIT_NOFILE, " + soft + ")");
    }
}
