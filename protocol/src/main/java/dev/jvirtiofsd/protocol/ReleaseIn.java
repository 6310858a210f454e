package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_release_in}: the RELEASE and RELEASEDIR request.
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class ReleaseIn {
    /** sizeof(struct fuse_release_in). */
    public static final int BYTES = 24;

    public static final int FH = 0;
    public static final int FLAGS = 8;
    public static final int RELEASE_FLAGS = 12;
    public static final int LOCK_OWNER = 16;

    public long fh;
    public int flags;
    public int releaseFlags;
    public long lockOwner;

    /** Reads the struct at {@code at} into this holder. */
    public ReleaseIn decode(ByteBuffer b, int at) {
        fh = b.getLong(at + FH);
        flags = b.getInt(at + FLAGS);
        releaseFlags = b.getInt(at + RELEASE_FLAGS);
        lockOwner = b.getLong(at + LOCK_OWNER);
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes, padding zeroed). */
    public void encode(ByteBuffer b, int at) {
        b.putLong(at + FH, fh);
        b.putInt(at + FLAGS, flags);
        b.putInt(at + RELEASE_FLAGS, releaseFlags);
        b.putLong(at + LOCK_OWNER, lockOwner);
    }
}
