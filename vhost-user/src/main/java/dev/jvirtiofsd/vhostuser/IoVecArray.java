package dev.jvirtiofsd.vhostuser;

import dev.jvirtiofsd.vhostuser.sys.NativeMemory;

/**
 * A native array of {@code struct iovec} (16 bytes each: base, length), reused across requests
 * by one thread. Filled by {@link DescriptorChain#readableIovecs}/{@link
 * DescriptorChain#writableIovecs} and passed by address to preadv/pwritev.
 */
public final class IoVecArray implements AutoCloseable {
    private static final int IOVEC_SIZE = 16;

    private final int capacity;
    private long address;
    private int count;
    private long totalBytes;

    /** Allocates native room for {@code capacity} iovecs. */
    public IoVecArray(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity " + capacity);
        }
        this.capacity = capacity;
        this.address = NativeMemory.allocate((long) IOVEC_SIZE * capacity);
    }

    /** Native address of the first iovec. */
    public long address() {
        return address;
    }

    public int capacity() {
        return capacity;
    }

    /** Number of iovecs filled by the last fill. */
    public int count() {
        return count;
    }

    /** Sum of the lengths of the iovecs filled by the last fill. */
    public long totalBytes() {
        return totalBytes;
    }

    void clear() {
        count = 0;
        totalBytes = 0;
    }

    void add(long base, long length) {
        long iovec = address + (long) IOVEC_SIZE * count;
        NativeMemory.putLong(iovec, base);
        NativeMemory.putLong(iovec + 8, length);
        count++;
        totalBytes += length;
    }

    @Override
    public void close() {
        NativeMemory.free(address);
        address = 0;
        count = 0;
        totalBytes = 0;
    }
}
