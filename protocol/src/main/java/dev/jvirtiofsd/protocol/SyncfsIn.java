package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_syncfs_in}: the SYNCFS request (nothing but padding).
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class SyncfsIn {
    /** sizeof(struct fuse_syncfs_in). */
    public static final int BYTES = 8;


    /** Reads the struct at {@code at} into this holder. */
    public SyncfsIn decode(ByteBuffer b, int at) {
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes, padding zeroed). */
    public void encode(ByteBuffer b, int at) {
        b.putLong(at + 0, 0); // padding
    }
}
