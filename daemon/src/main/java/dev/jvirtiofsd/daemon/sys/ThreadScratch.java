package dev.jvirtiofsd.daemon.sys;

import jnr.ffi.Pointer;

/**
 * Native buffers for syscall arguments and results, one set per thread and reused by every call
 * that thread makes, so a request allocates no native memory. Large buffers are made on first use.
 */
final class ThreadScratch {
    static final int STATX_SIZE = 256;
    static final int STATVFS_SIZE = 112;
    static final int OPEN_HOW_SIZE = 24;
    static final int TIMESPECS_SIZE = 32;
    static final int DIRENT_BUFFER_SIZE = 32 * 1024;
    static final int IOV_MAX = 1024;
    static final int IOVEC_SIZE = 16;
    static final int FILE_HANDLE_SIZE = Syscalls.FILE_HANDLE_HEADER + Fcntl.MAX_HANDLE_SZ;

    private static final ThreadLocal<ThreadScratch> CURRENT = ThreadLocal.withInitial(ThreadScratch::new);

    /** Two NUL-terminated names or paths (for the calls that take two). */
    final Pointer path1 = Native.allocate(Fcntl.PATH_MAX);
    final Pointer path2 = Native.allocate(Fcntl.PATH_MAX);
    final Pointer statx = Native.allocate(STATX_SIZE);
    final Pointer statvfs = Native.allocate(STATVFS_SIZE);
    final Pointer openHow = Native.allocate(OPEN_HOW_SIZE);
    final Pointer timespecs = Native.allocate(TIMESPECS_SIZE);
    /** A struct file_handle and the mount id name_to_handle_at gives with it. */
    final Pointer fileHandle = Native.allocate(FILE_HANDLE_SIZE);
    final Pointer mountId = Native.allocate(8);
    /** Output of readlinkat. */
    final Pointer linkTarget = Native.allocate(Fcntl.PATH_MAX);
    /** getdents64 names are copied here before they go to a visitor. */
    final byte[] direntName = new byte[512];

    private Pointer dirents;
    private Pointer xattrValue;
    private Pointer iovecs;

    static ThreadScratch get() {
        return CURRENT.get();
    }

    Pointer dirents() {
        if (dirents == null) {
            dirents = Native.allocate(DIRENT_BUFFER_SIZE);
        }
        return dirents;
    }

    /** Room for one xattr value or name list: {@link Fcntl#XATTR_SIZE_MAX} bytes. */
    Pointer xattrValue() {
        if (xattrValue == null) {
            xattrValue = Native.allocate(Fcntl.XATTR_SIZE_MAX);
        }
        return xattrValue;
    }

    /** Room for {@link #IOV_MAX} iovecs, to rebuild a vector after a short transfer. */
    Pointer iovecs() {
        if (iovecs == null) {
            iovecs = Native.allocate(IOV_MAX * IOVEC_SIZE);
        }
        return iovecs;
    }

    /**
     * Copies {@code name} and a terminating NUL into {@code p}. Returns 0, or -ENAMETOOLONG when
     * it does not fit into {@link Fcntl#PATH_MAX} bytes. NUL bytes inside {@code name} are the
     * caller's to reject.
     */
    static int putString(Pointer p, byte[] name) {
        if (name.length >= Fcntl.PATH_MAX) {
            return -Errno.ENAMETOOLONG;
        }
        p.put(0, name, 0, name.length);
        p.putByte(name.length, (byte) 0);
        return 0;
    }

    /** Writes {@code value} (non-negative) in decimal and a NUL at {@code offset}. */
    static void putDecimal(Pointer p, long offset, int value) {
        int digits = 1;
        for (int v = value; v >= 10; v /= 10) {
            digits++;
        }
        long end = offset + digits;
        p.putByte(end, (byte) 0);
        int v = value;
        for (long i = end - 1; i >= offset; i--) {
            p.putByte(i, (byte) ('0' + v % 10));
            v /= 10;
        }
    }
}
