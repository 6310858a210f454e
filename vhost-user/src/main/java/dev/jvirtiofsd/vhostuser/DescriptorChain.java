package dev.jvirtiofsd.vhostuser;

import java.nio.ByteBuffer;

/**
 * One request popped from a split virtqueue: its head index and the guest buffers it names,
 * already translated to addresses in this process and bounds-checked against guest memory.
 *
 * <p>The device-readable segments come first in the chain and the device-writable ones after
 * (the virtio rule; a chain that breaks it is rejected when popped). A descriptor that crosses
 * a memory-region boundary appears as several segments. Addresses are valid only until the
 * chain is returned to the used ring.
 *
 * <p>Instances are owned by the queue and reused after the chain is completed: a device must not
 * keep a reference past {@link VirtioDevice#process}.
 */
public final class DescriptorChain {
    // Implemented in the vhost-user module; see the public accessors below for the contract.

    /** Head descriptor index, as placed in the used ring. */
    public int headIndex() {
        throw new UnsupportedOperationException("contract only");
    }

    /** Number of device-readable segments. */
    public int readableSegments() {
        throw new UnsupportedOperationException("contract only");
    }

    /** Address (in this process) of readable segment {@code i}. */
    public long readableAddress(int i) {
        throw new UnsupportedOperationException("contract only");
    }

    /** Length of readable segment {@code i}. */
    public int readableLength(int i) {
        throw new UnsupportedOperationException("contract only");
    }

    /** Total bytes in the readable part. */
    public long readableBytes() {
        throw new UnsupportedOperationException("contract only");
    }

    /** Number of device-writable segments. */
    public int writableSegments() {
        throw new UnsupportedOperationException("contract only");
    }

    public long writableAddress(int i) {
        throw new UnsupportedOperationException("contract only");
    }

    public int writableLength(int i) {
        throw new UnsupportedOperationException("contract only");
    }

    /** Total bytes in the writable part. */
    public long writableBytes() {
        throw new UnsupportedOperationException("contract only");
    }

    /**
     * Copies readable bytes starting at {@code offset} (counted from the start of the readable
     * part) into {@code dst} from its position, up to its remaining space, and advances its
     * position. Returns the number of bytes copied (less than requested at the end of the part).
     */
    public int read(long offset, ByteBuffer dst) {
        throw new UnsupportedOperationException("contract only");
    }

    /**
     * Copies {@code src}'s remaining bytes into the writable part at {@code offset} and advances
     * its position. Returns the number of bytes copied (less than remaining when the writable
     * part is too short).
     */
    public int write(long offset, ByteBuffer src) {
        throw new UnsupportedOperationException("contract only");
    }

    /**
     * Fills {@code dst} with {@code struct iovec}s covering at most {@code maxBytes} of the
     * readable part starting at {@code offset}, for pwritev straight from guest memory.
     * Returns the number of iovecs written; their total length is {@link IoVecArray#totalBytes()}.
     */
    public int readableIovecs(long offset, long maxBytes, IoVecArray dst) {
        throw new UnsupportedOperationException("contract only");
    }

    /** As {@link #readableIovecs}, over the writable part (for preadv straight into guest memory). */
    public int writableIovecs(long offset, long maxBytes, IoVecArray dst) {
        throw new UnsupportedOperationException("contract only");
    }
}
