package dev.jvirtiofsd.daemon;

/**
 * {@code --cache}: how long the guest may cache entries and attributes, and the FOPEN flags
 * given to opened files and directories (as the Rust virtiofsd maps them).
 */
public enum CachePolicy {
    NEVER(0, FopenFlags.DIRECT_IO, 0, false),
    METADATA(86400, FopenFlags.DIRECT_IO, FopenFlags.CACHE_DIR | FopenFlags.KEEP_CACHE, true),
    AUTO(1, 0, 0, true),
    ALWAYS(86400, FopenFlags.KEEP_CACHE, FopenFlags.KEEP_CACHE | FopenFlags.CACHE_DIR, true);

    /** Entry and attribute timeout, seconds. */
    public final long timeoutSeconds;
    /** FOPEN flags for OPEN and CREATE of a file. */
    public final int fileOpenFlags;
    /** FOPEN flags for OPENDIR. */
    public final int dirOpenFlags;
    /** Whether READDIRPLUS may be offered at all (never with {@code --cache=never}). */
    public final boolean allowsReaddirplus;

    CachePolicy(long timeoutSeconds, int fileOpenFlags, int dirOpenFlags, boolean allowsReaddirplus) {
        this.timeoutSeconds = timeoutSeconds;
        this.fileOpenFlags = fileOpenFlags;
        this.dirOpenFlags = dirOpenFlags;
        this.allowsReaddirplus = allowsReaddirplus;
    }

    /** The FOPEN_* bits of linux/fuse.h used by the cache policies. */
    public static final class FopenFlags {
        public static final int DIRECT_IO = 1 << 0;
        public static final int KEEP_CACHE = 1 << 1;
        public static final int CACHE_DIR = 1 << 3;

        private FopenFlags() {
        }
    }
}
