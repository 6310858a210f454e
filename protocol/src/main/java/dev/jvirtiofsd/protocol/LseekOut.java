package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_lseek_out}: the reply to LSEEK.
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class LseekOut {
    /** sizeof(struct fuse_lseek_out). */
    public static final int BYTES = 8;

    public static final int OFFSET = 0;

    public long offset;

    /** Reads the struct at {@code at} into this holder. */
    public LseekOut decode(ByteBuffer b, int at) {
        offset = b.getLong(at + OFFSET);
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes, padding zeroed). */
    public void encode(ByteBuffer b, int at) {
        b.putLong(at + OFFSET, offset);
    }
}
