package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_getattr_in}: the GETATTR request.
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class GetattrIn {
    /** sizeof(struct fuse_getattr_in). */
    public static final int BYTES = 16;

    /** {@link FuseFlags#GETATTR_FH}: {@code fh} is valid. */
    public static final int GETATTR_FLAGS = 0;
    public static final int FH = 8;

    public int getattrFlags;
    public long fh;

    /** Reads the struct at {@code at} into this holder. */
    public GetattrIn decode(ByteBuffer b, int at) {
        getattrFlags = b.getInt(at + GETATTR_FLAGS);
        fh = b.getLong(at + FH);
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes, padding zeroed). */
    public void encode(ByteBuffer b, int at) {
        b.putInt(at + GETATTR_FLAGS, getattrFlags);
        b.putInt(at + 4, 0); // dummy
        b.putLong(at + FH, fh);
    }
}
