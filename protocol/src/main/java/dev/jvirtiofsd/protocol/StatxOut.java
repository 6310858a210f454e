package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_statx_out} with its {@code struct fuse_statx} (FUSE 7.39): the reply to
 * STATX. Not in the 7.38 header installed here; the layout is that of Linux 6.12's
 * {@code include/uapi/linux/fuse.h} (7.41). Every {@code struct fuse_sx_time} is
 * {@code {int64 tv_sec; uint32 tv_nsec; int32 reserved}}.
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. The reply is
 * encoded straight from its fields by {@link #encode}, which zeroes every spare byte.
 */
public final class StatxOut {
    /** sizeof(struct fuse_statx_out). */
    public static final int BYTES = 288;
    /** sizeof(struct fuse_statx). */
    public static final int STATX_BYTES = 256;
    /** sizeof(struct fuse_sx_time). */
    public static final int SX_TIME_BYTES = 16;

    public static final int ATTR_VALID = 0;
    public static final int ATTR_VALID_NSEC = 8;
    public static final int FLAGS = 12;
    public static final int SPARE = 16;
    /** The {@code struct fuse_statx stat} member; the offsets below are relative to it. */
    public static final int STAT = 32;

    public static final int SX_MASK = 0;
    public static final int SX_BLKSIZE = 4;
    public static final int SX_ATTRIBUTES = 8;
    public static final int SX_NLINK = 16;
    public static final int SX_UID = 20;
    public static final int SX_GID = 24;
    public static final int SX_MODE = 28;
    public static final int SX_INO = 32;
    public static final int SX_SIZE = 40;
    public static final int SX_BLOCKS = 48;
    public static final int SX_ATTRIBUTES_MASK = 56;
    public static final int SX_ATIME = 64;
    public static final int SX_BTIME = 80;
    public static final int SX_CTIME = 96;
    public static final int SX_MTIME = 112;
    public static final int SX_RDEV_MAJOR = 128;
    public static final int SX_RDEV_MINOR = 132;
    public static final int SX_DEV_MAJOR = 136;
    public static final int SX_DEV_MINOR = 140;
    /** {@code __spare2[14]}, up to the end of the struct. */
    public static final int SX_SPARE2 = 144;

    public long attrValid;
    public int attrValidNsec;
    public int flags;
    public int mask;
    public int blksize;
    public long attributes;
    public int nlink;
    public int uid;
    public int gid;
    /** 16 bits: file type and permissions. */
    public int mode;
    public long ino;
    public long size;
    public long blocks;
    public long attributesMask;
    public long atimeSec;
    public int atimeNsec;
    public long btimeSec;
    public int btimeNsec;
    public long ctimeSec;
    public int ctimeNsec;
    public long mtimeSec;
    public int mtimeNsec;
    public int rdevMajor;
    public int rdevMinor;
    public int devMajor;
    public int devMinor;

    /** Reads the struct at {@code at} into this holder. */
    public StatxOut decode(ByteBuffer b, int at) {
        attrValid = b.getLong(at + ATTR_VALID);
        attrValidNsec = b.getInt(at + ATTR_VALID_NSEC);
        flags = b.getInt(at + FLAGS);
        int s = at + STAT;
        mask = b.getInt(s + SX_MASK);
        blksize = b.getInt(s + SX_BLKSIZE);
        attributes = b.getLong(s + SX_ATTRIBUTES);
        nlink = b.getInt(s + SX_NLINK);
        uid = b.getInt(s + SX_UID);
        gid = b.getInt(s + SX_GID);
        mode = Short.toUnsignedInt(b.getShort(s + SX_MODE));
        ino = b.getLong(s + SX_INO);
        size = b.getLong(s + SX_SIZE);
        blocks = b.getLong(s + SX_BLOCKS);
        attributesMask = b.getLong(s + SX_ATTRIBUTES_MASK);
        atimeSec = b.getLong(s + SX_ATIME);
        atimeNsec = b.getInt(s + SX_ATIME + 8);
        btimeSec = b.getLong(s + SX_BTIME);
        btimeNsec = b.getInt(s + SX_BTIME + 8);
        ctimeSec = b.getLong(s + SX_CTIME);
        ctimeNsec = b.getInt(s + SX_CTIME + 8);
        mtimeSec = b.getLong(s + SX_MTIME);
        mtimeNsec = b.getInt(s + SX_MTIME + 8);
        rdevMajor = b.getInt(s + SX_RDEV_MAJOR);
        rdevMinor = b.getInt(s + SX_RDEV_MINOR);
        devMajor = b.getInt(s + SX_DEV_MAJOR);
        devMinor = b.getInt(s + SX_DEV_MINOR);
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes, spare and reserved zeroed). */
    public void encode(ByteBuffer b, int at) {
        b.putLong(at + ATTR_VALID, attrValid);
        b.putInt(at + ATTR_VALID_NSEC, attrValidNsec);
        b.putInt(at + FLAGS, flags);
        b.putLong(at + SPARE, 0);
        b.putLong(at + SPARE + 8, 0);
        int s = at + STAT;
        b.putInt(s + SX_MASK, mask);
        b.putInt(s + SX_BLKSIZE, blksize);
        b.putLong(s + SX_ATTRIBUTES, attributes);
        b.putInt(s + SX_NLINK, nlink);
        b.putInt(s + SX_UID, uid);
        b.putInt(s + SX_GID, gid);
        b.putShort(s + SX_MODE, (short) mode);
        b.putShort(s + SX_MODE + 2, (short) 0); // __spare0
        b.putLong(s + SX_INO, ino);
        b.putLong(s + SX_SIZE, size);
        b.putLong(s + SX_BLOCKS, blocks);
        b.putLong(s + SX_ATTRIBUTES_MASK, attributesMask);
        putTime(b, s + SX_ATIME, atimeSec, atimeNsec);
        putTime(b, s + SX_BTIME, btimeSec, btimeNsec);
        putTime(b, s + SX_CTIME, ctimeSec, ctimeNsec);
        putTime(b, s + SX_MTIME, mtimeSec, mtimeNsec);
        b.putInt(s + SX_RDEV_MAJOR, rdevMajor);
        b.putInt(s + SX_RDEV_MINOR, rdevMinor);
        b.putInt(s + SX_DEV_MAJOR, devMajor);
        b.putInt(s + SX_DEV_MINOR, devMinor);
        for (int i = SX_SPARE2; i < STATX_BYTES; i += 8) {
            b.putLong(s + i, 0);
        }
    }

    private static void putTime(ByteBuffer b, int at, long sec, int nsec) {
        b.putLong(at, sec);
        b.putInt(at + 8, nsec);
        b.putInt(at + 12, 0); // __reserved
    }
}
