package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_open_out}: the reply to OPEN and OPENDIR, and the second half of CREATE's.
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class OpenOut {
    /** sizeof(struct fuse_open_out). */
    public static final int BYTES = 16;

    public static final int FH = 0;
    /** FOPEN_* ({@link FopenFlags}). */
    public static final int OPEN_FLAGS = 8;

    public long fh;
    public int openFlags;

    /** Reads the struct at {@code at} into this holder. */
    public OpenOut decode(ByteBuffer b, int at) {
        fh = b.getLong(at + FH);
        openFlags = b.getInt(at + OPEN_FLAGS);
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes, padding zeroed). */
    public void encode(ByteBuffer b, int at) {
        b.putLong(at + FH, fh);
        b.putInt(at + OPEN_FLAGS, openFlags);
        b.putInt(at + 12, 0); // padding
    }
}
