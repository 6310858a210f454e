package dev.jvirtiofsd.vhostuser.sys;

/** The errno values this module tests for (Linux, every architecture Java runs on). */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EFAULT = 14;
    public static final int EINVAL = 22;
    public static final int ENOSPC = 28;
    public static final int EPIPE = 32;
    public static final int ERANGE = 34;
    public static final int ENAMETOOLONG = 36;
    public static final int ENOTSOCK = 88;
    public static final int EPROTO = 71;
    public static final int ECONNRESET = 104;

    private Errno() {
    }

    /** The C library's description of {@code errno}. */
    public static String describe(int errno) {
        String text = LibC.INSTANCE.strerror(errno);
        return text == null ? "errno " + errno : text;
    }
}
