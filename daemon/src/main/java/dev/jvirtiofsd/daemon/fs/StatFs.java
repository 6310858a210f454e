package dev.jvirtiofsd.daemon.fs;

/** The fields of {@code struct fuse_kstatfs}. Mutable, reused. */
public final class StatFs {
    public long blocks;
    public long bfree;
    public long bavail;
    public long files;
    public long ffree;
    public int bsize;
    public int namelen;
    public int frsize;
}
