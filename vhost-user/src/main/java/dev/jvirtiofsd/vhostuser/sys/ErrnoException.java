package dev.jvirtiofsd.vhostuser.sys;

import java.io.IOException;

/** A failed system call, with the errno it set. */
public final class ErrnoException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int errno;

    public ErrnoException(String call, int errno) {
        super(call + ": " + Errno.describe(errno) + " (errno " + errno + ")");
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }

    /** Throws for the errno the last call on this thread left. */
    static ErrnoException last(String call) {
        return new ErrnoException(call, LibC.errno());
    }
}
