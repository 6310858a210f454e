package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_kstatfs}, which is all of {@code struct fuse_statfs_out}: the reply to STATFS.
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class Kstatfs {
    /** sizeof(struct fuse_kstatfs). */
    public static final int BYTES = 80;

    public static final int BLOCKS = 0;
    public static final int BFREE = 8;
    public static final int BAVAIL = 16;
    public static final int FILES = 24;
    public static final int FFREE = 32;
    public static final int BSIZE = 40;
    public static final int NAMELEN = 44;
    public static final int FRSIZE = 48;

    public long blocks;
    public long bfree;
    public long bavail;
    public long files;
    public long ffree;
    public int bsize;
    public int namelen;
    public int frsize;

    /** Reads the struct at {@code at} into this holder. */
    public Kstatfs decode(ByteBuffer b, int at) {
        blocks = b.getLong(at + BLOCKS);
        bfree = b.getLong(at + BFREE);
        bavail = b.getLong(at + BAVAIL);
        files = b.getLong(at + FILES);
        ffree = b.getLong(at + FFREE);
        bsize = b.getInt(at + BSIZE);
        namelen = b.getInt(at + NAMELEN);
        frsize = b.getInt(at + FRSIZE);
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes, padding zeroed). */
    public void encode(ByteBuffer b, int at) {
        b.putLong(at + BLOCKS, blocks);
        b.putLong(at + BFREE, bfree);
        b.putLong(at + BAVAIL, bavail);
        b.putLong(at + FILES, files);
        b.putLong(at + FFREE, ffree);
        b.putInt(at + BSIZE, bsize);
        b.putInt(at + NAMELEN, namelen);
        b.putInt(at + FRSIZE, frsize);
        b.putInt(at + 52, 0); // padding
        b.putLong(at + 56, 0); // spare
        b.putLong(at + 64, 0); // spare
        b.putLong(at + 72, 0); // spare
    }
}
