package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_create_in}: the CREATE request (followed by the name).
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class CreateIn {
    /** sizeof(struct fuse_create_in). */
    public static final int BYTES = 16;

    public static final int FLAGS = 0;
    public static final int MODE = 4;
    public static final int UMASK = 8;
    public static final int OPEN_FLAGS = 12;

    public int flags;
    public int mode;
    public int umask;
    public int openFlags;

    /** Reads the struct at {@code at} into this holder. */
    public CreateIn decode(ByteBuffer b, int at) {
        flags = b.getInt(at + FLAGS);
        mode = b.getInt(at + MODE);
        umask = b.getInt(at + UMASK);
        openFlags = b.getInt(at + OPEN_FLAGS);
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes, padding zeroed). */
    public void encode(ByteBuffer b, int at) {
        b.putInt(at + FLAGS, flags);
        b.putInt(at + MODE, mode);
        b.putInt(at + UMASK, umask);
        b.putInt(at + OPEN_FLAGS, openFlags);
    }
}
