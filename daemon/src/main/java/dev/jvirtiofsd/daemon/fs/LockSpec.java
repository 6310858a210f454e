package dev.jvirtiofsd.daemon.fs;

/**
 * A byte-range lock as FUSE describes it ({@code struct fuse_file_lock}): an inclusive range, a
 * type, and the pid of the process that holds or asks for it. A mutable holder, reused per thread.
 */
public final class LockSpec {
    public static final int F_RDLCK = 0;
    public static final int F_WRLCK = 1;
    public static final int F_UNLCK = 2;
    /** The kernel's OFFSET_MAX: an {@link #end} that reaches to the end of the file, however long. */
    public static final long TO_END = Long.MAX_VALUE;

    public long start;
    /** Inclusive; {@link #TO_END} for "to the end of the file". */
    public long end;
    public int type;
    public int pid;

    public LockSpec set(long start, long end, int type, int pid) {
        this.start = start;
        this.end = end;
        this.type = type;
        this.pid = pid;
        return this;
    }
}
