package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_getxattr_out}: the reply to a GETXATTR or LISTXATTR of size 0.
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class GetxattrOut {
    /** sizeof(struct fuse_getxattr_out). */
    public static final int BYTES = 8;

    public static final int SIZE = 0;

    public int size;

    /** Reads the struct at {@code at} into this holder. */
    public GetxattrOut decode(ByteBuffer b, int at) {
        size = b.getInt(at + SIZE);
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes, padding zeroed). */
    public void encode(ByteBuffer b, int at) {
        b.putInt(at + SIZE, size);
        b.putInt(at + 4, 0); // padding
    }
}
