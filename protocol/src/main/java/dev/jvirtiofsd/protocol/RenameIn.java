package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_rename_in}: the RENAME request (followed by both names).
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class RenameIn {
    /** sizeof(struct fuse_rename_in). */
    public static final int BYTES = 8;

    public static final int NEWDIR = 0;

    public long newdir;

    /** Reads the struct at {@code at} into this holder. */
    public RenameIn decode(ByteBuffer b, int at) {
        newdir = b.getLong(at + NEWDIR);
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes, padding zeroed). */
    public void encode(ByteBuffer b, int at) {
        b.putLong(at + NEWDIR, newdir);
    }
}
