package dev.jvirtiofsd.daemon.sys;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.SaveError;

/**
 * The libc functions behind {@link FileControl}: copy_file_range and ioctl. Kept apart from
 * {@link LibC} so the open-file controls can be reviewed on their own. copy_file_range has six
 * arguments; the two offset pointers keep it clear of jnr-ffi bug #181.
 */
@SaveError
public interface FileControlLibC {
    long copy_file_range(int fdIn, Pointer offIn, int fdOut, Pointer offOut, long len, int flags);

    /** ioctl(2) with a pointer argument (variadic in C; on x86_64 passed like a fixed one). */
    int ioctl(int fd, long request, Pointer arg);
}
