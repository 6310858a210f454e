package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_forget_one}: one entry of a BATCH_FORGET.
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class ForgetOne {
    /** sizeof(struct fuse_forget_one). */
    public static final int BYTES = 16;

    public static final int NODEID = 0;
    public static final int NLOOKUP = 8;

    public long nodeid;
    public long nlookup;

    /** Reads the struct at {@code at} into this holder. */
    public ForgetOne decode(ByteBuffer b, int at) {
        nodeid = b.getLong(at + NODEID);
        nlookup = b.getLong(at + NLOOKUP);
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes, padding zeroed). */
    public void encode(ByteBuffer b, int at) {
        b.putLong(at + NODEID, nodeid);
        b.putLong(at + NLOOKUP, nlookup);
    }
}
