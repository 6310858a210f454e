package dev.jvirtiofsd.daemon.sys;

import java.io.IOException;

/** A failed call outside the request path (start-up, probes), carrying the errno. */
public final class ErrnoException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int errno;

    public ErrnoException(String what, int errno) {
        super(what + ": " + Syscalls.strerror(errno) + " (errno " + errno + ")");
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }

    /** Returns {@code result} if it is not negative, else throws with errno {@code -result}. */
    public static int check(int result, String what) throws ErrnoException {
        if (result < 0) {
            throw new ErrnoException(what, -result);
        }
        return result;
    }
}
