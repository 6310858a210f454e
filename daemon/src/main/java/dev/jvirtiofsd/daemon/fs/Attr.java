package dev.jvirtiofsd.daemon.fs;

/** File attributes as the guest sees them (the fields of {@code struct fuse_attr}). Mutable, reused. */
public final class Attr {
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
    /** FUSE_ATTR_* flags (e.g. FUSE_ATTR_SUBMOUNT). */
    public int flags;

    public void clear() {
        ino = size = blocks = atime = mtime = ctime = 0;
        atimensec = mtimensec = ctimensec = mode = nlink = uid = gid = rdev = blksize = flags = 0;
    }
}
