package dev.jvirtiofsd.daemon.fuse;

import java.nio.ByteBuffer;

/**
 * The guest buffers of one FUSE request as the server sees them: a readable part that holds
 * the request and a writable part that receives the reply. In the daemon this is a virtqueue
 * descriptor chain ({@link ChainMemory}); tests and benchmarks use plain buffers.
 *
 * <p>Offsets count from the start of the respective part. Implementations bound every access
 * to the part; they never touch memory outside it.
 */
public interface RequestMemory {

    /** Total bytes of the readable part. */
    long readableBytes();

    /**
     * Copies readable bytes from {@code offset} into {@code dst} (from its position, up to its
     * remaining space), advancing its position. Returns the bytes copied.
     */
    int read(long offset, ByteBuffer dst);

    /** Total bytes of the writable part. */
    long writableBytes();

    /**
     * Copies {@code src}'s remaining bytes into the writable part at {@code offset}, advancing
     * its position. Returns the bytes copied (fewer when the part is too short).
     */
    int write(long offset, ByteBuffer src);

    /**
     * Describes at most {@code maxBytes} of the readable part from {@code offset} as native
     * {@code struct iovec}s (for pwritev straight from guest memory). Returns their number; their
     * address and total length are then {@link #iovecAddress()} and {@link #iovecBytes()}.
     */
    int readableIovecs(long offset, long maxBytes);

    /** As {@link #readableIovecs}, over the writable part (for preadv straight into guest memory). */
    int writableIovecs(long offset, long maxBytes);

    /** Native address of the iovecs of the last fill. */
    long iovecAddress();

    /** Total length described by the iovecs of the last fill (less than asked when memory ran out). */
    long iovecBytes();
}
