package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_read_in}: the READ, READDIR and READDIRPLUS request.
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class ReadIn {
    /** sizeof(struct fuse_read_in). */
    public static final int BYTES = 40;

    public static final int FH = 0;
    public static final int OFFSET = 8;
    /** Unsigned. */
    public static final int SIZE = 16;
    public static final int READ_FLAGS = 20;
    public static final int LOCK_OWNER = 24;
    public static final int FLAGS = 32;

    public long fh;
    public long offset;
    public int size;
    public int readFlags;
    public long lockOwner;
    public int flags;

    /** Reads the struct at {@code at} into this holder. */
    public ReadIn decode(ByteBuffer b, int at) {
        fh = b.getLong(at + FH);
        offset = b.getLong(at + OFFSET);
        size = b.getInt(at + SIZE);
        readFlags = b.getInt(at + READ_FLAGS);
        lockOwner = b.getLong(at + LOCK_OWNER);
        flags = b.getInt(at + FLAGS);
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes, padding zeroed). */
    public void encode(ByteBuffer b, int at) {
        b.putLong(at + FH, fh);
        b.putLong(at + OFFSET, offset);
        b.putInt(at + SIZE, size);
        b.putInt(at + READ_FLAGS, readFlags);
        b.putLong(at + LOCK_OWNER, lockOwner);
        b.putInt(at + FLAGS, flags);
        b.putInt(at + 36, 0); // padding
    }
}
