package dev.jvirtiofsd.protocol;

/**
 * Linux errno values (x86_64 and every architecture that uses asm-generic/errno*.h). FUSE
 * replies carry them negated in {@code fuse_out_header.error}.
 */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int ENXIO = 6;
    public static final int E2BIG = 7;
    public static final int ENOEXEC = 8;
    public static final int EBADF = 9;
    public static final int ECHILD = 10;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int ENOTBLK = 15;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int EXDEV = 18;
    public static final int ENODEV = 19;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int ENFILE = 23;
    public static final int EMFILE = 24;
    public static final int ENOTTY = 25;
    public static final int ETXTBSY = 26;
    public static final int EFBIG = 27;
    public static final int ENOSPC = 28;
    public static final int ESPIPE = 29;
    public static final int EROFS = 30;
    public static final int EMLINK = 31;
    public static final int EPIPE = 32;
    public static final int EDOM = 33;
    public static final int ERANGE = 34;
    public static final int EDEADLK = 35;
    public static final int ENAMETOOLONG = 36;
    public static final int ENOLCK = 37;
    public static final int ENOSYS = 38;
    public static final int ENOTEMPTY = 39;
    public static final int ELOOP = 40;
    public static final int ENOMSG = 42;
    public static final int ENODATA = 61;
    public static final int EPROTO = 71;
    public static final int EOVERFLOW = 75;
    public static final int EILSEQ = 84;
    public static final int EOPNOTSUPP = 95;
    public static final int ECONNABORTED = 103;
    public static final int ETIMEDOUT = 110;
    public static final int ESTALE = 116;
    public static final int EDQUOT = 122;

    /** Largest value the kernel accepts as an errno in a reply (MAX_ERRNO). */
    public static final int MAX_ERRNO = 4095;

    private static final String[] NAMES = new String[EDQUOT + 1];

    static {
        String[] low = {
            null, "EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "ENXIO", "E2BIG", "ENOEXEC", "EBADF", "ECHILD",
            "EAGAIN", "ENOMEM", "EACCES", "EFAULT", "ENOTBLK", "EBUSY", "EEXIST", "EXDEV", "ENODEV", "ENOTDIR",
            "EISDIR", "EINVAL", "ENFILE", "EMFILE", "ENOTTY", "ETXTBSY", "EFBIG", "ENOSPC", "ESPIPE", "EROFS",
            "EMLINK", "EPIPE", "EDOM", "ERANGE", "EDEADLK", "ENAMETOOLONG", "ENOLCK", "ENOSYS", "ENOTEMPTY",
            "ELOOP",
        };
        System.arraycopy(low, 0, NAMES, 0, low.length);
        NAMES[ENOMSG] = "ENOMSG";
        NAMES[ENODATA] = "ENODATA";
        NAMES[EPROTO] = "EPROTO";
        NAMES[EOVERFLOW] = "EOVERFLOW";
        NAMES[EILSEQ] = "EILSEQ";
        NAMES[EOPNOTSUPP] = "EOPNOTSUPP";
        NAMES[ECONNABORTED] = "ECONNABORTED";
        NAMES[ETIMEDOUT] = "ETIMEDOUT";
        NAMES[ESTALE] = "ESTALE";
        NAMES[EDQUOT] = "EDQUOT";
    }

    /** The errno's symbolic name for logs ("ENOENT"), or "errno n" for one we do not name. */
    public static String name(int errno) {
        long e = Math.abs((long) errno);
        if (e < NAMES.length && NAMES[(int) e] != null) {
            return NAMES[(int) e];
        }
        return "errno " + e;
    }

    private Errno() {
    }
}
