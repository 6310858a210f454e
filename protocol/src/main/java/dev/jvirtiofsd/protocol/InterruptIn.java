package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_interrupt_in}: the INTERRUPT request.
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class InterruptIn {
    /** sizeof(struct fuse_interrupt_in). */
    public static final int BYTES = 8;

    /** The unique of the request to interrupt. */
    public static final int UNIQUE = 0;

    public long unique;

    /** Reads the struct at {@code at} into this holder. */
    public InterruptIn decode(ByteBuffer b, int at) {
        unique = b.getLong(at + UNIQUE);
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes, padding zeroed). */
    public void encode(ByteBuffer b, int at) {
        b.putLong(at + UNIQUE, unique);
    }
}
