package dev.jvirtiofsd.daemon.fs;

/** The few linux/fuse.h bits the passthrough filesystem itself acts on. */
final class FuseFlags {
    // fuse_setattr_in.valid
    static final int FATTR_MODE = 1 << 0;
    static final int FATTR_UID = 1 << 1;
    static final int FATTR_GID = 1 << 2;
    static final int FATTR_SIZE = 1 << 3;
    static final int FATTR_ATIME = 1 << 4;
    static final int FATTR_MTIME = 1 << 5;
    static final int FATTR_FH = 1 << 6;
    static final int FATTR_ATIME_NOW = 1 << 7;
    static final int FATTR_MTIME_NOW = 1 << 8;

    // fuse_write_in.write_flags
    static final int FUSE_WRITE_CACHE = 1 << 0;

    // INIT flags
    static final long FUSE_WRITEBACK_CACHE = 1L << 16;
    static final long FUSE_SUBMOUNTS = 1L << 27;

    // fuse_attr.flags
    static final int FUSE_ATTR_SUBMOUNT = 1 << 0;

    private FuseFlags() {
    }
}
