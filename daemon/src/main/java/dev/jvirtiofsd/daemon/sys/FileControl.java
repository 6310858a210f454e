package dev.jvirtiofsd.daemon.sys;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;

/**
 * copy_file_range(2) and the few ioctl(2)s the daemon passes on for the guest: the inode flags
 * of chattr/lsattr (FS_IOC_GETFLAGS/SETFLAGS) and the XFS-style file attributes
 * (FS_IOC_FSGETXATTR/FSSETXATTR). Each call returns its result or a negative errno.
 */
public final class FileControl {
    /** _IOR('f', 1, long) and _IOW('f', 2, long): the argument is an int all the same. */
    public static final int FS_IOC_GETFLAGS = 0x80086601;
    public static final int FS_IOC_SETFLAGS = 0x40086602;
    /** The 32-bit compat numbers of the same calls (_IOR('f', 1, int), _IOW('f', 2, int)). */
    public static final int FS_IOC32_GETFLAGS = 0x80046601;
    public static final int FS_IOC32_SETFLAGS = 0x40046602;
    /** _IOR('X', 31, struct fsxattr) and _IOW('X', 32, struct fsxattr). */
    public static final int FS_IOC_FSGETXATTR = 0x801c581f;
    public static final int FS_IOC_FSSETXATTR = 0x401c5820;
    /** sizeof(struct fsxattr) (linux/fs.h). */
    public static final int FSXATTR_BYTES = 28;

    /** FS_IMMUTABLE_FL and FS_APPEND_FL (linux/fs.h). */
    public static final int FS_IMMUTABLE_FL = 0x10;
    public static final int FS_APPEND_FL = 0x20;

    private static final FileControlLibC LIBC = LibraryLoader.create(FileControlLibC.class).load("c");
    private static final int OFF_IN = 0;
    private static final int OFF_OUT = 8;
    private static final int ARG = 16;
    private static final ThreadLocal<Pointer> SCRATCH = ThreadLocal.withInitial(() -> Native.allocate(16 + 32));

    private FileControl() {
    }

    /**
     * Copies up to {@code length} bytes from {@code fdIn} at {@code offIn} to {@code fdOut} at
     * {@code offOut} (neither file offset moves); returns the bytes copied.
     */
    public static long copyFileRange(int fdIn, long offIn, int fdOut, long offOut, long length, int flags) {
        Pointer p = SCRATCH.get();
        p.putLong(OFF_IN, offIn);
        p.putLong(OFF_OUT, offOut);
        return Native.result(LIBC.copy_file_range(fdIn, p.slice(OFF_IN, 8), fdOut, p.slice(OFF_OUT, 8), length,
                flags));
    }

    /** FS_IOC_GETFLAGS: the inode flags (FS_*_FL), or a negative errno (ENOTTY where the fs has none). */
    public static long getFlags(int fd) {
        Pointer p = SCRATCH.get();
        p.putInt(ARG, 0);
        int ret = LIBC.ioctl(fd, Integer.toUnsignedLong(FS_IOC_GETFLAGS), p.slice(ARG, 8));
        return ret < 0 ? Native.negErrno() : Integer.toUnsignedLong(p.getInt(ARG));
    }

    /** FS_IOC_SETFLAGS. */
    public static int setFlags(int fd, int flags) {
        Pointer p = SCRATCH.get();
        p.putLong(ARG, 0);
        p.putInt(ARG, flags);
        return Native.result(LIBC.ioctl(fd, Integer.toUnsignedLong(FS_IOC_SETFLAGS), p.slice(ARG, 8)));
    }

    /** FS_IOC_FSGETXATTR into {@code out} ({@link #FSXATTR_BYTES} bytes). */
    public static int fsGetXattr(int fd, byte[] out) {
        Pointer p = SCRATCH.get();
        p.setMemory(ARG, FSXATTR_BYTES, (byte) 0);
        int ret = LIBC.ioctl(fd, Integer.toUnsignedLong(FS_IOC_FSGETXATTR), p.slice(ARG, FSXATTR_BYTES));
        if (ret < 0) {
            return Native.negErrno();
        }
        p.get(ARG, out, 0, FSXATTR_BYTES);
        return 0;
    }

    /** FS_IOC_FSSETXATTR from {@code in} ({@link #FSXATTR_BYTES} bytes). */
    public static int fsSetXattr(int fd, byte[] in) {
        Pointer p = SCRATCH.get();
        p.put(ARG, in, 0, FSXATTR_BYTES);
        return Native.result(LIBC.ioctl(fd, Integer.toUnsignedLong(FS_IOC_FSSETXATTR), p.slice(ARG, FSXATTR_BYTES)));
    }
}
