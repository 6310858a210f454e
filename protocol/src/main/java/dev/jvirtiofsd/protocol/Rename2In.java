package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_rename2_in}: the RENAME2 request (followed by both names).
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class Rename2In {
    /** sizeof(struct fuse_rename2_in). */
    public static final int BYTES = 16;

    public static final int NEWDIR = 0;
    /** RENAME_NOREPLACE, RENAME_EXCHANGE, RENAME_WHITEOUT. */
    public static final int FLAGS = 8;

    public long newdir;
    public int flags;

    /** Reads the struct at {@code at} into this holder. */
    public Rename2In decode(ByteBuffer b, int at) {
        newdir = b.getLong(at + NEWDIR);
        flags = b.getInt(at + FLAGS);
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes, padding zeroed). */
    public void encode(ByteBuffer b, int at) {
        b.putLong(at + NEWDIR, newdir);
        b.putInt(at + FLAGS, flags);
        b.putInt(at + 12, 0); // padding
    }
}
