package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_forget_in}: the FORGET request (no reply).
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class ForgetIn {
    /** sizeof(struct fuse_forget_in). */
    public static final int BYTES = 8;

    public static final int NLOOKUP = 0;

    public long nlookup;

    /** Reads the struct at {@code at} into this holder. */
    public ForgetIn decode(ByteBuffer b, int at) {
        nlookup = b.getLong(at + NLOOKUP);
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes, padding zeroed). */
    public void encode(ByteBuffer b, int at) {
        b.putLong(at + NLOOKUP, nlookup);
    }
}
