package dev.jvirtiofsd.protocol;

/** FOPEN_* flags of {@code fuse_open_out.open_flags}: how the guest treats an opened file. */
public final class FopenFlags {
    public static final int DIRECT_IO = 1 << 0;
    public static final int KEEP_CACHE = 1 << 1;
    public static final int NONSEEKABLE = 1 << 2;
    public static final int CACHE_DIR = 1 << 3;
    public static final int STREAM = 1 << 4;
    public static final int NOFLUSH = 1 << 5;
    public static final int PARALLEL_DIRECT_WRITES = 1 << 6;
    /** Since 7.40 (Linux 6.9). */
    public static final int PASSTHROUGH = 1 << 7;

    private FopenFlags() {
    }
}
