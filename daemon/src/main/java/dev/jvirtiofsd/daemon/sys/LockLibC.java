package dev.jvirtiofsd.daemon.sys;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.SaveError;

/**
 * The libc lock calls, bound with jnr-ffi: open file description record locks through
 * {@code fcntl(fd, F_OFD_*, struct flock *)} and {@code flock(2)}. Used only by {@link FileLocks}
 * (public only because jnr-ffi implements it in a class loader of its own).
 */
@SaveError
public interface LockLibC {
    int fcntl(int fd, int cmd, Pointer lock);

    int flock(int fd, int operation);
}
