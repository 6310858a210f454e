package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_init_out}: the INIT reply.
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class InitOut {
    /** sizeof(struct fuse_init_out). */
    public static final int BYTES = 64;

    public static final int MAJOR = 0;
    public static final int MINOR = 4;
    public static final int MAX_READAHEAD = 8;
    /** Low half of the negotiated INIT flags. */
    public static final int FLAGS = 12;
    public static final int MAX_BACKGROUND = 16;
    public static final int CONGESTION_THRESHOLD = 18;
    public static final int MAX_WRITE = 20;
    /** Timestamp granularity in nanoseconds. */
    public static final int TIME_GRAN = 24;
    public static final int MAX_PAGES = 28;
    public static final int MAP_ALIGNMENT = 30;
    /** High half of the negotiated INIT flags (read by the kernel only with INIT_EXT). */
    public static final int FLAGS2 = 32;

    public int major;
    public int minor;
    public int maxReadahead;
    public int flags;
    public int maxBackground; // unsigned 16-bit
    public int congestionThreshold; // unsigned 16-bit
    public int maxWrite;
    public int timeGran;
    public int maxPages; // unsigned 16-bit
    public int mapAlignment; // unsigned 16-bit
    public int flags2;

    /** Reads the struct at {@code at} into this holder. */
    public InitOut decode(ByteBuffer b, int at) {
        major = b.getInt(at + MAJOR);
        minor = b.getInt(at + MINOR);
        maxReadahead = b.getInt(at + MAX_READAHEAD);
        flags = b.getInt(at + FLAGS);
        maxBackground = Short.toUnsignedInt(b.getShort(at + MAX_BACKGROUND));
        congestionThreshold = Short.toUnsignedInt(b.getShort(at + CONGESTION_THRESHOLD));
        maxWrite = b.getInt(at + MAX_WRITE);
        timeGran = b.getInt(at + TIME_GRAN);
        maxPages = Short.toUnsignedInt(b.getShort(at + MAX_PAGES));
        mapAlignment = Short.toUnsignedInt(b.getShort(at + MAP_ALIGNMENT));
        flags2 = b.getInt(at + FLAGS2);
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes, padding zeroed). */
    public void encode(ByteBuffer b, int at) {
        b.putInt(at + MAJOR, major);
        b.putInt(at + MINOR, minor);
        b.putInt(at + MAX_READAHEAD, maxReadahead);
        b.putInt(at + FLAGS, flags);
        b.putShort(at + MAX_BACKGROUND, (short) maxBackground);
        b.putShort(at + CONGESTION_THRESHOLD, (short) congestionThreshold);
        b.putInt(at + MAX_WRITE, maxWrite);
        b.putInt(at + TIME_GRAN, timeGran);
        b.putShort(at + MAX_PAGES, (short) maxPages);
        b.putShort(at + MAP_ALIGNMENT, (short) mapAlignment);
        b.putInt(at + FLAGS2, flags2);
        b.putInt(at + 36, 0); // unused
        b.putLong(at + 40, 0); // unused
        b.putLong(at + 48, 0); // unused
        b.putLong(at + 56, 0); // unused
    }
}
