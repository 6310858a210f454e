package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_lk_in}: the GETLK, SETLK and SETLKW request.
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class LkIn {
    /** sizeof(struct fuse_lk_in). */
    public static final int BYTES = 48;

    public static final int FH = 0;
    /** The lock owner: the guest's files_struct for POSIX locks, its open file for flock. */
    public static final int OWNER = 8;
    public static final int LK = 16;
    /** {@link FuseFlags#LK_FLOCK}: a flock(2) lock over the whole file. */
    public static final int LK_FLAGS = 40;

    public long fh;
    public long owner;
    public final FileLock lk = new FileLock();
    public int lkFlags;

    /** Reads the struct at {@code at} into this holder. */
    public LkIn decode(ByteBuffer b, int at) {
        fh = b.getLong(at + FH);
        owner = b.getLong(at + OWNER);
        lk.decode(b, at + LK);
        lkFlags = b.getInt(at + LK_FLAGS);
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes, padding zeroed). */
    public void encode(ByteBuffer b, int at) {
        b.putLong(at + FH, fh);
        b.putLong(at + OWNER, owner);
        lk.encode(b, at + LK);
        b.putInt(at + LK_FLAGS, lkFlags);
        b.putInt(at + 44, 0); // padding
    }
}
