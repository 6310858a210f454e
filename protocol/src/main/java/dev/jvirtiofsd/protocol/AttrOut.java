package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_attr_out}: the reply to GETATTR and SETATTR.
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class AttrOut {
    /** sizeof(struct fuse_attr_out). */
    public static final int BYTES = 104;

    /** Cache timeout for the attributes, seconds. */
    public static final int ATTR_VALID = 0;
    public static final int ATTR_VALID_NSEC = 8;
    public static final int ATTR = 16;

    public long attrValid;
    public int attrValidNsec;
    public final FuseAttr attr = new FuseAttr();

    /** Reads the struct at {@code at} into this holder. */
    public AttrOut decode(ByteBuffer b, int at) {
        attrValid = b.getLong(at + ATTR_VALID);
        attrValidNsec = b.getInt(at + ATTR_VALID_NSEC);
        attr.decode(b, at + ATTR);
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes, padding zeroed). */
    public void encode(ByteBuffer b, int at) {
        b.putLong(at + ATTR_VALID, attrValid);
        b.putInt(at + ATTR_VALID_NSEC, attrValidNsec);
        b.putInt(at + 12, 0); // dummy
        attr.encode(b, at + ATTR);
    }
}
