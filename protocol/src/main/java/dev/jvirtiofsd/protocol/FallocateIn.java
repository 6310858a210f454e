package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_fallocate_in}: the FALLOCATE request.
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class FallocateIn {
    /** sizeof(struct fuse_fallocate_in). */
    public static final int BYTES = 32;

    public static final int FH = 0;
    public static final int OFFSET = 8;
    public static final int LENGTH = 16;
    /** FALLOC_FL_* flags. */
    public static final int MODE = 24;

    public long fh;
    public long offset;
    public long length;
    public int mode;

    /** Reads the struct at {@code at} into this holder. */
    public FallocateIn decode(ByteBuffer b, int at) {
        fh = b.getLong(at + FH);
        offset = b.getLong(at + OFFSET);
        length = b.getLong(at + LENGTH);
        mode = b.getInt(at + MODE);
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes, padding zeroed). */
    public void encode(ByteBuffer b, int at) {
        b.putLong(at + FH, fh);
        b.putLong(at + OFFSET, offset);
        b.putLong(at + LENGTH, length);
        b.putInt(at + MODE, mode);
        b.putInt(at + 28, 0); // padding
    }
}
