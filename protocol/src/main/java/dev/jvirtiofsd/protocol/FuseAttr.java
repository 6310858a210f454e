package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_attr}: file attributes as the guest sees them.
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class FuseAttr {
    /** sizeof(struct fuse_attr). */
    public static final int BYTES = 88;

    public static final int INO = 0;
    public static final int SIZE = 8;
    public static final int BLOCKS = 16;
    public static final int ATIME = 24;
    public static final int MTIME = 32;
    public static final int CTIME = 40;
    public static final int ATIMENSEC = 48;
    public static final int MTIMENSEC = 52;
    public static final int CTIMENSEC = 56;
    public static final int MODE = 60;
    public static final int NLINK = 64;
    public static final int UID = 68;
    public static final int GID = 72;
    public static final int RDEV = 76;
    public static final int BLKSIZE = 80;
    /** FUSE_ATTR_* flags ({@link FuseFlags#ATTR_SUBMOUNT}, ...). */
    public static final int FLAGS = 84;

    public long ino;
    public long size;
    public long blocks;
    public long atime;
    public long mtime;
    public long ctime;
    public int atimensec;
    public int mtimensec;
    public int ctimensec;
    public int mode;
    public int nlink;
    public int uid;
    public int gid;
    public int rdev;
    public int blksize;
    public int flags;

    /** Reads the struct at {@code at} into this holder. */
    public FuseAttr decode(ByteBuffer b, int at) {
        ino = b.getLong(at + INO);
        size = b.getLong(at + SIZE);
        blocks = b.getLong(at + BLOCKS);
        atime = b.getLong(at + ATIME);
        mtime = b.getLong(at + MTIME);
        ctime = b.getLong(at + CTIME);
        atimensec = b.getInt(at + ATIMENSEC);
        mtimensec = b.getInt(at + MTIMENSEC);
        ctimensec = b.getInt(at + CTIMENSEC);
        mode = b.getInt(at + MODE);
        nlink = b.getInt(at + NLINK);
        uid = b.getInt(at + UID);
        gid = b.getInt(at + GID);
        rdev = b.getInt(at + RDEV);
        blksize = b.getInt(at + BLKSIZE);
        flags = b.getInt(at + FLAGS);
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes, padding zeroed). */
    public void encode(ByteBuffer b, int at) {
        b.putLong(at + INO, ino);
        b.putLong(at + SIZE, size);
        b.putLong(at + BLOCKS, blocks);
        b.putLong(at + ATIME, atime);
        b.putLong(at + MTIME, mtime);
        b.putLong(at + CTIME, ctime);
        b.putInt(at + ATIMENSEC, atimensec);
        b.putInt(at + MTIMENSEC, mtimensec);
        b.putInt(at + CTIMENSEC, ctimensec);
        b.putInt(at + MODE, mode);
        b.putInt(at + NLINK, nlink);
        b.putInt(at + UID, uid);
        b.putInt(at + GID, gid);
        b.putInt(at + RDEV, rdev);
        b.putInt(at + BLKSIZE, blksize);
        b.putInt(at + FLAGS, flags);
    }
}
