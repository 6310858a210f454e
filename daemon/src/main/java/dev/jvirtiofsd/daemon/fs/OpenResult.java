package dev.jvirtiofsd.daemon.fs;

/** The answer to OPEN, OPENDIR and the open half of CREATE ({@code struct fuse_open_out}). */
public final class OpenResult {
    public long fh;
    /** FOPEN_* flags (DIRECT_IO, KEEP_CACHE, CACHE_DIR) chosen by the cache policy. */
    public int openFlags;

    public void clear() {
        fh = 0;
        openFlags = 0;
    }
}
