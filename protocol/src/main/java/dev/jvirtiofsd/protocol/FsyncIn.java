package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_fsync_in}: the FSYNC and FSYNCDIR request.
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class FsyncIn {
    /** sizeof(struct fuse_fsync_in). */
    public static final int BYTES = 16;

    public static final int FH = 0;
    /** {@link FuseFlags#FSYNC_FDATASYNC}. */
    public static final int FSYNC_FLAGS = 8;

    public long fh;
    public int fsyncFlags;

    /** Reads the struct at {@code at} into this holder. */
    public FsyncIn decode(ByteBuffer b, int at) {
        fh = b.getLong(at + FH);
        fsyncFlags = b.getInt(at + FSYNC_FLAGS);
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes, padding zeroed). */
    public void encode(ByteBuffer b, int at) {
        b.putLong(at + FH, fh);
        b.putInt(at + FSYNC_FLAGS, fsyncFlags);
        b.putInt(at + 12, 0); // padding
    }
}
