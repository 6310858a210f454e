package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_lk_out}: the reply to GETLK, the lock that would conflict (or F_UNLCK).
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class LkOut {
    /** sizeof(struct fuse_lk_out). */
    public static final int BYTES = 24;

    public static final int LK = 0;

    public final FileLock lk = new FileLock();

    /** Reads the struct at {@code at} into this holder. */
    public LkOut decode(ByteBuffer b, int at) {
        lk.decode(b, at + LK);
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes). */
    public void encode(ByteBuffer b, int at) {
        lk.encode(b, at + LK);
    }
}
