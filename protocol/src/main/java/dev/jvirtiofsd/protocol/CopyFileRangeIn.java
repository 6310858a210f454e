package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_copy_file_range_in}: the COPY_FILE_RANGE request. The source is the
 * request's node and {@code fh_in}; the destination is {@code nodeid_out} and {@code fh_out}.
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class CopyFileRangeIn {
    /** sizeof(struct fuse_copy_file_range_in). */
    public static final int BYTES = 56;

    public static final int FH_IN = 0;
    public static final int OFF_IN = 8;
    public static final int NODEID_OUT = 16;
    public static final int FH_OUT = 24;
    public static final int OFF_OUT = 32;
    public static final int LEN = 40;
    /** copy_file_range(2) flags (none are defined; the host answers EINVAL to any). */
    public static final int FLAGS = 48;

    public long fhIn;
    public long offIn;
    public long nodeidOut;
    public long fhOut;
    public long offOut;
    public long len;
    public long flags;

    /** Reads the struct at {@code at} into this holder. */
    public CopyFileRangeIn decode(ByteBuffer b, int at) {
        fhIn = b.getLong(at + FH_IN);
        offIn = b.getLong(at + OFF_IN);
        nodeidOut = b.getLong(at + NODEID_OUT);
        fhOut = b.getLong(at + FH_OUT);
        offOut = b.getLong(at + OFF_OUT);
        len = b.getLong(at + LEN);
        flags = b.getLong(at + FLAGS);
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes). */
    public void encode(ByteBuffer b, int at) {
        b.putLong(at + FH_IN, fhIn);
        b.putLong(at + OFF_IN, offIn);
        b.putLong(at + NODEID_OUT, nodeidOut);
        b.putLong(at + FH_OUT, fhOut);
        b.putLong(at + OFF_OUT, offOut);
        b.putLong(at + LEN, len);
        b.putLong(at + FLAGS, flags);
    }
}
