package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_mkdir_in}: the MKDIR request (followed by the name).
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class MkdirIn {
    /** sizeof(struct fuse_mkdir_in). */
    public static final int BYTES = 8;

    public static final int MODE = 0;
    public static final int UMASK = 4;

    public int mode;
    public int umask;

    /** Reads the struct at {@code at} into this holder. */
    public MkdirIn decode(ByteBuffer b, int at) {
        mode = b.getInt(at + MODE);
        umask = b.getInt(at + UMASK);
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes, padding zeroed). */
    public void encode(ByteBuffer b, int at) {
        b.putInt(at + MODE, mode);
        b.putInt(at + UMASK, umask);
    }
}
