package dev.jvirtiofsd.daemon.fs;

import dev.jvirtiofsd.daemon.sys.Fcntl;

/** The host open(2) flags for a guest's OPEN or CREATE flags. */
final class OpenFlags {
    /**
     * Flags a guest may pass on to a host open. The rest (O_CREAT, O_EXCL, O_NOCTTY, O_PATH,
     * O_TMPFILE, O_NOFOLLOW, O_CLOEXEC and unknown bits) is the daemon's to decide.
     */
    private static final int GUEST_PASSABLE = Fcntl.O_ACCMODE | Fcntl.O_TRUNC | Fcntl.O_APPEND | Fcntl.O_NONBLOCK
            | Fcntl.O_DSYNC | Fcntl.O_DIRECT | Fcntl.O_LARGEFILE | Fcntl.O_DIRECTORY | Fcntl.O_NOATIME
            | Fcntl.O_SYNC;

    private OpenFlags() {
    }

    /**
     * Rewrites {@code guestFlags} as the Rust virtiofsd does: O_APPEND always cleared (appends are
     * done per write with RWF_APPEND); O_NOATIME cleared unless preserved; O_DIRECT cleared unless
     * allowed; with writeback caching O_WRONLY becomes O_RDWR, because the guest kernel may read
     * to fill partial pages. O_CLOEXEC is always added.
     */
    static int toHost(int guestFlags, boolean writeback, boolean preserveNoatime, boolean allowDirectIo) {
        int flags = guestFlags & GUEST_PASSABLE;
        flags &= ~Fcntl.O_APPEND;
        if (!preserveNoatime) {
            flags &= ~Fcntl.O_NOATIME;
        }
        if (!allowDirectIo) {
            flags &= ~Fcntl.O_DIRECT;
        }
        if (writeback && (flags & Fcntl.O_ACCMODE) == Fcntl.O_WRONLY) {
            flags = (flags & ~Fcntl.O_ACCMODE) | Fcntl.O_RDWR;
        }
        return flags | Fcntl.O_CLOEXEC;
    }
}
