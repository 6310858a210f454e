package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_link_in}: the LINK request (followed by the new name).
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class LinkIn {
    /** sizeof(struct fuse_link_in). */
    public static final int BYTES = 8;

    public static final int OLDNODEID = 0;

    public long oldnodeid;

    /** Reads the struct at {@code at} into this holder. */
    public LinkIn decode(ByteBuffer b, int at) {
        oldnodeid = b.getLong(at + OLDNODEID);
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes, padding zeroed). */
    public void encode(ByteBuffer b, int at) {
        b.putLong(at + OLDNODEID, oldnodeid);
    }
}
