package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_init_in}: the INIT request. Kernels before 7.36 send only the first
 * {@link #COMPAT_BYTES} bytes; {@code flags2} is meaningful only when {@code flags} has
 * {@link InitFlags#INIT_EXT}.
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class InitIn {
    /** sizeof(struct fuse_init_in). */
    public static final int BYTES = 64;

    public static final int MAJOR = 0;
    public static final int MINOR = 4;
    public static final int MAX_READAHEAD = 8;
    public static final int FLAGS = 12;
    public static final int FLAGS2 = 16;

    /** The size of the struct before 7.36 (without flags2 and the unused words). */
    public static final int COMPAT_BYTES = 16;

    public int major;
    public int minor;
    public int maxReadahead;
    public int flags;
    public int flags2;

    /** Reads the struct at {@code at} into this holder. */
    public InitIn decode(ByteBuffer b, int at) {
        major = b.getInt(at + MAJOR);
        minor = b.getInt(at + MINOR);
        maxReadahead = b.getInt(at + MAX_READAHEAD);
        flags = b.getInt(at + FLAGS);
        flags2 = b.getInt(at + FLAGS2);
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes, padding zeroed). */
    public void encode(ByteBuffer b, int at) {
        b.putInt(at + MAJOR, major);
        b.putInt(at + MINOR, minor);
        b.putInt(at + MAX_READAHEAD, maxReadahead);
        b.putInt(at + FLAGS, flags);
        b.putInt(at + FLAGS2, flags2);
        b.putInt(at + 20, 0); // unused
        b.putLong(at + 24, 0); // unused
        b.putLong(at + 32, 0); // unused
        b.putLong(at + 40, 0); // unused
        b.putLong(at + 48, 0); // unused
        b.putLong(at + 56, 0); // unused
    }

    /** Reads the compat form ({@link #COMPAT_BYTES} bytes); {@code flags2} becomes 0. */
    public InitIn decodeCompat(ByteBuffer b, int at) {
        major = b.getInt(at + MAJOR);
        minor = b.getInt(at + MINOR);
        maxReadahead = b.getInt(at + MAX_READAHEAD);
        flags = b.getInt(at + FLAGS);
        flags2 = 0;
        return this;
    }

    /** The 64-bit flag set: flags, plus flags2 in the high half when INIT_EXT is set. */
    public long allFlags() {
        long low = Integer.toUnsignedLong(flags);
        return (low & InitFlags.INIT_EXT) != 0 ? InitFlags.combine(flags, flags2) : low;
    }
}
