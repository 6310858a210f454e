package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_mknod_in}: the MKNOD request (followed by the name).
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class MknodIn {
    /** sizeof(struct fuse_mknod_in). */
    public static final int BYTES = 16;

    public static final int MODE = 0;
    public static final int RDEV = 4;
    public static final int UMASK = 8;

    public int mode;
    public int rdev;
    public int umask;

    /** Reads the struct at {@code at} into this holder. */
    public MknodIn decode(ByteBuffer b, int at) {
        mode = b.getInt(at + MODE);
        rdev = b.getInt(at + RDEV);
        umask = b.getInt(at + UMASK);
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes, padding zeroed). */
    public void encode(ByteBuffer b, int at) {
        b.putInt(at + MODE, mode);
        b.putInt(at + RDEV, rdev);
        b.putInt(at + UMASK, umask);
        b.putInt(at + 12, 0); // padding
    }
}
