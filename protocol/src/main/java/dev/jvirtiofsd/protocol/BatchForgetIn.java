package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_batch_forget_in}: the BATCH_FORGET request, followed by {@code count} {@link ForgetOne}s.
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class BatchForgetIn {
    /** sizeof(struct fuse_batch_forget_in). */
    public static final int BYTES = 8;

    /** Unsigned. */
    public static final int COUNT = 0;

    public int count;

    /** Reads the struct at {@code at} into this holder. */
    public BatchForgetIn decode(ByteBuffer b, int at) {
        count = b.getInt(at + COUNT);
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes, padding zeroed). */
    public void encode(ByteBuffer b, int at) {
        b.putInt(at + COUNT, count);
        b.putInt(at + 4, 0); // dummy
    }
}
