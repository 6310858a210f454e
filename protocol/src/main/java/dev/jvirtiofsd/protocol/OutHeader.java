package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_out_header}: the head of every reply.
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class OutHeader {
    /** sizeof(struct fuse_out_header). */
    public static final int BYTES = 16;

    /** Length of the whole reply, this header included. */
    public static final int LEN = 0;
    /** 0 or a negative errno. */
    public static final int ERROR = 4;
    public static final int UNIQUE = 8;

    public int len;
    public int error;
    public long unique;

    /** Reads the struct at {@code at} into this holder. */
    public OutHeader decode(ByteBuffer b, int at) {
        len = b.getInt(at + LEN);
        error = b.getInt(at + ERROR);
        unique = b.getLong(at + UNIQUE);
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes, padding zeroed). */
    public void encode(ByteBuffer b, int at) {
        b.putInt(at + LEN, len);
        b.putInt(at + ERROR, error);
        b.putLong(at + UNIQUE, unique);
    }
}
