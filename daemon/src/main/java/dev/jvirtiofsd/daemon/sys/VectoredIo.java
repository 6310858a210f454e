package dev.jvirtiofsd.daemon.sys;

import jnr.ffi.Pointer;

/**
 * File data moved straight between a file and native memory (guest RAM) described by an array
 * of {@code struct iovec} {base, length}: preadv/pwritev, repeated after a short transfer until
 * the requested size (or end of file) is reached. Never copies data through the Java heap.
 */
public final class VectoredIo {
    public static final int IOV_MAX = ThreadScratch.IOV_MAX;
    private static final int IOVEC_SIZE = ThreadScratch.IOVEC_SIZE;

    private VectoredIo() {
    }

    /**
     * Reads up to {@code size} bytes at {@code offset} into the {@code iovCount} iovecs at native
     * address {@code iov}. Returns the bytes read (fewer only at end of file or when the iovecs
     * hold less), or -errno if nothing could be read.
     */
    public static long read(int fd, long iov, int iovCount, long size, long offset) {
        return transfer(fd, iov, iovCount, size, offset, false, 0);
    }

    /**
     * Writes up to {@code size} bytes from the iovecs at {@code iov} to {@code offset};
     * {@code rwFlags} (RWF_*, e.g. RWF_APPEND) go to pwritev2. Returns the bytes written, or
     * -errno if nothing could be written.
     */
    public static long write(int fd, long iov, int iovCount, long size, long offset, int rwFlags) {
        return transfer(fd, iov, iovCount, size, offset, true, rwFlags);
    }

    private static long transfer(int fd, long iov, int iovCount, long size, long offset, boolean write,
                                 int rwFlags) {
        if (iovCount < 0 || iovCount > IOV_MAX || size < 0 || (iovCount > 0 && iov == 0)) {
            return -Errno.EINVAL;
        }
        if (iovCount == 0 || size == 0) {
            return 0;
        }
        Pointer vector = Native.at(iov, (long) iovCount * IOVEC_SIZE);
        long total = 0;
        for (int i = 0; i < iovCount; i++) {
            long len = vector.getLong(i * (long) IOVEC_SIZE + 8);
            if (len < 0 || total + len < 0) {
                return -Errno.EINVAL;
            }
            total += len;
        }
        long wanted = Math.min(size, total);
        if (wanted == 0) {
            return 0;
        }
        long address = iov;
        int count = iovCount;
        if (total != wanted) {
            address = ThreadScratch.get().iovecs().address();
            count = slice(vector, iovCount, 0, wanted);
        }
        long done = 0;
        while (true) {
            long n = write
                    ? Syscalls.pwritev(fd, address, count, offset + done, rwFlags)
                    : Syscalls.preadv(fd, address, count, offset + done);
            if (n == -Errno.EINTR) {
                continue;
            }
            if (n < 0) {
                return done > 0 ? done : n;
            }
            if (n == 0) {
                return done;
            }
            done += n;
            if (done >= wanted) {
                return done;
            }
            address = ThreadScratch.get().iovecs().address();
            count = slice(vector, iovCount, done, wanted - done);
        }
    }

    /**
     * Writes into the thread's scratch iovecs the part of {@code vector} that starts
     * {@code skip} bytes in and is {@code length} bytes long; returns the iovec count.
     */
    static int slice(Pointer vector, int iovCount, long skip, long length) {
        Pointer out = ThreadScratch.get().iovecs();
        int outCount = 0;
        long toSkip = skip;
        long left = length;
        for (int i = 0; i < iovCount && left > 0; i++) {
            long base = vector.getLong(i * (long) IOVEC_SIZE);
            long len = vector.getLong(i * (long) IOVEC_SIZE + 8);
            if (toSkip >= len) {
                toSkip -= len;
                continue;
            }
            base += toSkip;
            len -= toSkip;
            toSkip = 0;
            long take = Math.min(len, left);
            out.putLong(outCount * (long) IOVEC_SIZE, base);
            out.putLong(outCount * (long) IOVEC_SIZE + 8, take);
            outCount++;
            left -= take;
        }
        return outCount;
    }
}
