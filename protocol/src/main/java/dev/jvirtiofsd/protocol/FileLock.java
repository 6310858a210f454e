package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_file_lock}: a byte-range lock in GETLK, SETLK and SETLKW requests and the
 * GETLK reply. {@code end} is inclusive; the kernel's OFFSET_MAX (Long.MAX_VALUE) means "to the
 * end of the file". {@code type} is F_RDLCK, F_WRLCK or F_UNLCK.
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class FileLock {
    /** sizeof(struct fuse_file_lock). */
    public static final int BYTES = 24;

    public static final int START = 0;
    public static final int END = 8;
    public static final int TYPE = 16;
    public static final int PID = 20;

    public long start;
    public long end;
    public int type;
    public int pid;

    /** Reads the struct at {@code at} into this holder. */
    public FileLock decode(ByteBuffer b, int at) {
        start = b.getLong(at + START);
        end = b.getLong(at + END);
        type = b.getInt(at + TYPE);
        pid = b.getInt(at + PID);
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes). */
    public void encode(ByteBuffer b, int at) {
        b.putLong(at + START, start);
        b.putLong(at + END, end);
        b.putInt(at + TYPE, type);
        b.putInt(at + PID, pid);
    }
}
