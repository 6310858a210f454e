package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_open_in}: the OPEN and OPENDIR request.
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class OpenIn {
    /** sizeof(struct fuse_open_in). */
    public static final int BYTES = 8;

    /** The guest's open(2) flags. */
    public static final int FLAGS = 0;
    /** FUSE_OPEN_* ({@link FuseFlags#OPEN_KILL_SUIDGID}). */
    public static final int OPEN_FLAGS = 4;

    public int flags;
    public int openFlags;

    /** Reads the struct at {@code at} into this holder. */
    public OpenIn decode(ByteBuffer b, int at) {
        flags = b.getInt(at + FLAGS);
        openFlags = b.getInt(at + OPEN_FLAGS);
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes, padding zeroed). */
    public void encode(ByteBuffer b, int at) {
        b.putInt(at + FLAGS, flags);
        b.putInt(at + OPEN_FLAGS, openFlags);
    }
}
