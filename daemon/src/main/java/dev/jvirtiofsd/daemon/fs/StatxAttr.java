package dev.jvirtiofsd.daemon.fs;

/**
 * The answer to STATX: the fields of {@code struct statx} the guest gets
 * ({@code struct fuse_statx}), with birth time where the host has it. Mutable, reused.
 */
public final class StatxAttr {
    /** STATX_* bits: the fields that are valid (the basic stats, and STATX_BTIME when known). */
    public int mask;
    public int blksize;
    public long attributes;
    public long attributesMask;
    public int nlink;
    public int uid;
    public int gid;
    public int mode;
    public long ino;
    public long size;
    public long blocks;
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
    /** How long the guest may cache these attributes. */
    public long attrValidSeconds;

    public void clear() {
        mask = blksize = nlink = uid = gid = mode = 0;
        attributes = attributesMask = ino = size = blocks = 0;
        atimeSec = btimeSec = ctimeSec = mtimeSec = attrValidSeconds = 0;
        atimeNsec = btimeNsec = ctimeNsec = mtimeNsec = 0;
        rdevMajor = rdevMinor = devMajor = devMinor = 0;
    }
}
