package dev.jvirtiofsd.daemon.fs;

/** The fields of {@code struct fuse_setattr_in}; {@link #valid} says which are set (FATTR_*). */
public final class SetAttrRequest {
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
}
