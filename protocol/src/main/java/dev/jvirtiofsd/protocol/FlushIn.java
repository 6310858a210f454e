package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_flush_in}: the FLUSH request.
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class FlushIn {
    /** sizeof(struct fuse_flush_in). */
    public static final int BYTES = 24;

    public static final int FH = 0;
    public static final int LOCK_OWNER = 16;

    public long fh;
    public long lockOwner;

    /** Reads the struct at {@code at} into this holder. */
    public FlushIn decode(ByteBuffer b, int at) {
        fh = b.getLong(at + FH);
        lockOwner = b.getLong(at + LOCK_OWNER);
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes, padding zeroed). */
    public void encode(ByteBuffer b, int at) {
        b.putLong(at + FH, fh);
        b.putInt(at + 8, 0); // unused
        b.putInt(at + 12, 0); // padding
        b.putLong(at + LOCK_OWNER, lockOwner);
    }
}
