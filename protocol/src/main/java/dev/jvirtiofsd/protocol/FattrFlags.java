package dev.jvirtiofsd.protocol;

/** FATTR_* bits of {@code fuse_setattr_in.valid}: which attributes a SETATTR changes. */
public final class FattrFlags {
    public static final int MODE = 1 << 0;
    public static final int UID = 1 << 1;
    public static final int GID = 1 << 2;
    public static final int SIZE = 1 << 3;
    public static final int ATIME = 1 << 4;
    public static final int MTIME = 1 << 5;
    public static final int FH = 1 << 6;
    public static final int ATIME_NOW = 1 << 7;
    public static final int MTIME_NOW = 1 << 8;
    public static final int LOCKOWNER = 1 << 9;
    public static final int CTIME = 1 << 10;
    public static final int KILL_SUIDGID = 1 << 11;

    private FattrFlags() {
    }
}
