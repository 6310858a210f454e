package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_setattr_in}: the SETATTR request.
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class SetattrIn {
    /** sizeof(struct fuse_setattr_in). */
    public static final int BYTES = 88;

    /** FATTR_* bits ({@link FattrFlags}) naming the fields that are set. */
    public static final int VALID = 0;
    public static final int FH = 8;
    public static final int SIZE = 16;
    public static final int LOCK_OWNER = 24;
    public static final int ATIME = 32;
    public static final int MTIME = 40;
    public static final int CTIME = 48;
    public static final int ATIMENSEC = 56;
    public static final int MTIMENSEC = 60;
    public static final int CTIMENSEC = 64;
    public static final int MODE = 68;
    public static final int UID = 76;
    public static final int GID = 80;

    public int valid;
    public long fh;
    public long size;
    public long lockOwner;
    public long atime;
    public long mtime;
    public long ctime;
    public int atimensec;
    public int mtimensec;
    public int ctimensec;
    public int mode;
    public int uid;
    public int gid;

    /** Reads the struct at {@code at} into this holder. */
    public SetattrIn decode(ByteBuffer b, int at) {
        valid = b.getInt(at + VALID);
        fh = b.getLong(at + FH);
        size = b.getLong(at + SIZE);
        lockOwner = b.getLong(at + LOCK_OWNER);
        atime = b.getLong(at + ATIME);
        mtime = b.getLong(at + MTIME);
        ctime = b.getLong(at + CTIME);
        atimensec = b.getInt(at + ATIMENSEC);
        mtimensec = b.getInt(at + MTIMENSEC);
        ctimensec = b.getInt(at + CTIMENSEC);
        mode = b.getInt(at + MODE);
        uid = b.getInt(at + UID);
        gid = b.getInt(at + GID);
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes, padding zeroed). */
    public void encode(ByteBuffer b, int at) {
        b.putInt(at + VALID, valid);
        b.putInt(at + 4, 0); // padding
        b.putLong(at + FH, fh);
        b.putLong(at + SIZE, size);
        b.putLong(at + LOCK_OWNER, lockOwner);
        b.putLong(at + ATIME, atime);
        b.putLong(at + MTIME, mtime);
        b.putLong(at + CTIME, ctime);
        b.putInt(at + ATIMENSEC, atimensec);
        b.putInt(at + MTIMENSEC, mtimensec);
        b.putInt(at + CTIMENSEC, ctimensec);
        b.putInt(at + MODE, mode);
        b.putInt(at + 72, 0); // unused4
        b.putInt(at + UID, uid);
        b.putInt(at + GID, gid);
        b.putInt(at + 84, 0); // unused5
    }
}
