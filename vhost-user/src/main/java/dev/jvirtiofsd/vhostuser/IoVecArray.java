package dev.jvirtiofsd.vhostuser;

/**
 * A native array of {@code struct iovec} (16 bytes each: base, length), reused across requests
 * by one thread. Filled by {@link DescriptorChain#readableIovecs}/{@link
 * DescriptorChain#writableIovecs} and passed by address to preadv/pwritev.
 */
public final class IoVecArray implements AutoCloseable {
    // Implemented in the vhost-user module; contract below.

    /** Allocates native room for {@code capacity} iovecs. */
    public IoVecArray(int capacity) {
        throw new UnsupportedOperationException("contract only");
    }

    /** Native address of the first iovec. */
    public long address() {
        throw new UnsupportedOperationException("contract only");
    }

    public int capacity() {
        throw new UnsupportedOperationException("contract only");
    }

    /** Number of iovecs filled by the last fill. */
    public int count() {
        throw new UnsupportedOperationException("contract only");
    }

    /** Sum of the lengths of the iovecs filled by the last fill. */
    public long totalBytes() {
        throw new UnsupportedOperationException("contract only");
    }

    @Override
    public void close() {
        throw new UnsupportedOperationException("contract only");
    }
}
