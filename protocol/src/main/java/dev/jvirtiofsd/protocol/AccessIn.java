package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_access_in}: the ACCESS request.
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class AccessIn {
    /** sizeof(struct fuse_access_in). */
    public static final int BYTES = 8;

    public static final int MASK = 0;

    public int mask;

    /** Reads the struct at {@code at} into this holder. */
    public AccessIn decode(ByteBuffer b, int at) {
        mask = b.getInt(at + MASK);
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes, padding zeroed). */
    public void encode(ByteBuffer b, int at) {
        b.putInt(at + MASK, mask);
        b.putInt(at + 4, 0); // padding
    }
}
