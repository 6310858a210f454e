package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_lseek_in}: the LSEEK request.
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class LseekIn {
    /** sizeof(struct fuse_lseek_in). */
    public static final int BYTES = 24;

    public static final int FH = 0;
    public static final int OFFSET = 8;
    /** SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE. */
    public static final int WHENCE = 16;

    public long fh;
    public long offset;
    public int whence;

    /** Reads the struct at {@code at} into this holder. */
    public LseekIn decode(ByteBuffer b, int at) {
        fh = b.getLong(at + FH);
        offset = b.getLong(at + OFFSET);
        whence = b.getInt(at + WHENCE);
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes, padding zeroed). */
    public void encode(ByteBuffer b, int at) {
        b.putLong(at + FH, fh);
        b.putLong(at + OFFSET, offset);
        b.putInt(at + WHENCE, whence);
        b.putInt(at + 20, 0); // padding
    }
}
