package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_statx_in} (FUSE 7.39): the STATX request. Not in the 7.38 header installed
 * here; the layout is that of Linux 6.12's {@code include/uapi/linux/fuse.h} (7.41).
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class StatxIn {
    /** sizeof(struct fuse_statx_in). */
    public static final int BYTES = 24;

    /** {@link FuseFlags#GETATTR_FH}: {@code fh} is valid. */
    public static final int GETATTR_FLAGS = 0;
    public static final int RESERVED = 4;
    public static final int FH = 8;
    /** AT_STATX_* sync hints of statx(2). */
    public static final int SX_FLAGS = 16;
    /** STATX_* fields the guest wants. */
    public static final int SX_MASK = 20;

    public int getattrFlags;
    public long fh;
    public int sxFlags;
    public int sxMask;

    /** Reads the struct at {@code at} into this holder. */
    public StatxIn decode(ByteBuffer b, int at) {
        getattrFlags = b.getInt(at + GETATTR_FLAGS);
        fh = b.getLong(at + FH);
        sxFlags = b.getInt(at + SX_FLAGS);
        sxMask = b.getInt(at + SX_MASK);
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes, reserved zeroed). */
    public void encode(ByteBuffer b, int at) {
        b.putInt(at + GETATTR_FLAGS, getattrFlags);
        b.putInt(at + RESERVED, 0);
        b.putLong(at + FH, fh);
        b.putInt(at + SX_FLAGS, sxFlags);
        b.putInt(at + SX_MASK, sxMask);
    }
}
