package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_ioctl_out}: the reply to IOCTL, followed by the output bytes. The guest
 * copies back exactly the output bytes the reply carries (at most the request's out_size).
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class IoctlOut {
    /** sizeof(struct fuse_ioctl_out). */
    public static final int BYTES = 16;

    /** The ioctl's return value (non-negative; errors travel in the out-header). */
    public static final int RESULT = 0;
    /** FUSE_IOCTL_RETRY only (never set by us). */
    public static final int FLAGS = 4;
    public static final int IN_IOVS = 8;
    public static final int OUT_IOVS = 12;

    public int result;
    public int flags;
    public int inIovs;
    public int outIovs;

    /** Reads the struct at {@code at} into this holder. */
    public IoctlOut decode(ByteBuffer b, int at) {
        result = b.getInt(at + RESULT);
        flags = b.getInt(at + FLAGS);
        inIovs = b.getInt(at + IN_IOVS);
        outIovs = b.getInt(at + OUT_IOVS);
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes). */
    public void encode(ByteBuffer b, int at) {
        b.putInt(at + RESULT, result);
        b.putInt(at + FLAGS, flags);
        b.putInt(at + IN_IOVS, inIovs);
        b.putInt(at + OUT_IOVS, outIovs);
    }
}
