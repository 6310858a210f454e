package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_setxattr_in}: the SETXATTR request (followed by the name and the value).
 * Only {@link #COMPAT_BYTES} bytes long unless FUSE_SETXATTR_EXT was negotiated.
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class SetxattrIn {
    /** sizeof(struct fuse_setxattr_in). */
    public static final int BYTES = 16;

    /** Length of the value. */
    public static final int SIZE = 0;
    /** XATTR_CREATE, XATTR_REPLACE. */
    public static final int FLAGS = 4;
    /** {@link FuseFlags#SETXATTR_ACL_KILL_SGID}. */
    public static final int SETXATTR_FLAGS = 8;

    /** The size of the struct without FUSE_SETXATTR_EXT (FUSE_COMPAT_SETXATTR_IN_SIZE). */
    public static final int COMPAT_BYTES = 8;

    public int size;
    public int flags;
    public int setxattrFlags;

    /** Reads the struct at {@code at} into this holder. */
    public SetxattrIn decode(ByteBuffer b, int at) {
        size = b.getInt(at + SIZE);
        flags = b.getInt(at + FLAGS);
        setxattrFlags = b.getInt(at + SETXATTR_FLAGS);
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes, padding zeroed). */
    public void encode(ByteBuffer b, int at) {
        b.putInt(at + SIZE, size);
        b.putInt(at + FLAGS, flags);
        b.putInt(at + SETXATTR_FLAGS, setxattrFlags);
        b.putInt(at + 12, 0); // padding
    }

    /** Reads the compat form ({@link #COMPAT_BYTES} bytes); {@code setxattrFlags} becomes 0. */
    public SetxattrIn decodeCompat(ByteBuffer b, int at) {
        size = b.getInt(at + SIZE);
        flags = b.getInt(at + FLAGS);
        setxattrFlags = 0;
        return this;
    }
}
