package dev.jvirtiofsd.vhostuser.sys;

/** Plain file-descriptor calls: close, memfd, size, poll. */
public final class Fds {
    private static final int MFD_CLOEXEC = 0x0001;
    private static final int AT_EMPTY_PATH = 0x1000;
    private static final int STATX_TYPE = 0x0001;
    private static final int STATX_SIZE = 0x0200;
    private static final int STATX_BUFFER_SIZE = 256;
    private static final int STATX_MASK_OFFSET = 0;
    private static final int STATX_MODE_OFFSET = 28;
    private static final int STATX_SIZE_OFFSET = 40;
    private static final int S_IFMT = 0xf000;
    private static final int S_IFREG = 0x8000;
    private static final int F_GETFD = 1;
    private static final short POLLIN = 0x001;

    private Fds() {
    }

    /** Closes {@code fd} if it is not negative; errors (e.g. EBADF) are ignored. */
    public static void closeQuietly(int fd) {
        if (fd >= 0) {
            LibC.INSTANCE.close(fd);
        }
    }

    /** Closes every non-negative fd in {@code fds}. */
    public static void closeAll(int[] fds) {
        for (int fd : fds) {
            closeQuietly(fd);
        }
    }

    /** True when {@code fd} is an open descriptor of this process. */
    public static boolean isOpen(int fd) {
        return fd >= 0 && LibC.INSTANCE.fcntl(fd, F_GETFD, 0) >= 0;
    }

    /** A new anonymous memory file (close-on-exec) of {@code size} bytes. */
    public static int memfdCreate(String name, long size) throws ErrnoException {
        int fd = LibC.INSTANCE.memfd_create(name, MFD_CLOEXEC);
        if (fd < 0) {
            throw ErrnoException.last("memfd_create");
        }
        if (LibC.INSTANCE.ftruncate(fd, size) < 0) {
            ErrnoException e = ErrnoException.last("ftruncate");
            closeQuietly(fd);
            throw e;
        }
        return fd;
    }

    /**
     * Size of the regular file (memfd, tmpfs or hugetlbfs file) behind {@code fd}, or -1 when
     * it is not a regular file. Uses statx, whose layout is the same on every architecture.
     */
    public static long regularFileSize(int fd) throws ErrnoException {
        long buffer = NativeMemory.allocate(STATX_BUFFER_SIZE);
        try {
            if (LibC.INSTANCE.statx(fd, "", AT_EMPTY_PATH, STATX_TYPE | STATX_SIZE, buffer) < 0) {
                throw ErrnoException.last("statx");
            }
            int mask = NativeMemory.getInt(buffer + STATX_MASK_OFFSET);
            int mode = NativeMemory.getUnsignedShort(buffer + STATX_MODE_OFFSET);
            if ((mask & (STATX_TYPE | STATX_SIZE)) != (STATX_TYPE | STATX_SIZE) || (mode & S_IFMT) != S_IFREG) {
                return -1;
            }
            return NativeMemory.getLong(buffer + STATX_SIZE_OFFSET);
        } finally {
            NativeMemory.free(buffer);
        }
    }

    /**
     * Waits until {@code fd} is readable (or hung up) or {@code timeoutMillis} pass (-1: no
     * limit). Returns true when readable.
     */
    public static boolean awaitReadable(int fd, int timeoutMillis) throws ErrnoException {
        long pollfd = NativeMemory.allocate(8);
        try {
            NativeMemory.putInt(pollfd, fd);
            NativeMemory.putShort(pollfd + 4, POLLIN);
            while (true) {
                int n = LibC.INSTANCE.poll(pollfd, 1, timeoutMillis);
                if (n >= 0) {
                    return n > 0;
                }
                int errno = LibC.errno();
                if (errno != Errno.EINTR) {
                    throw new ErrnoException("poll", errno);
                }
            }
        } finally {
            NativeMemory.free(pollfd);
        }
    }
}
