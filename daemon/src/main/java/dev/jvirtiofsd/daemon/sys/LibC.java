package dev.jvirtiofsd.daemon.sys;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.SaveError;

/**
 * The libc functions the passthrough filesystem calls, bound with jnr-ffi. Only {@link Syscalls}
 * and the other classes of this package use it; nothing outside sees a jnr type. (It is public only
 * because jnr-ffi defines the implementing class in a class loader of its own.)
 *
 * <p>Conventions: every {@code size_t}/{@code ssize_t}/{@code off_t} is a Java {@code long}
 * (64-bit on x86_64); a native address that arrives as a number (guest iovecs) is a {@code long}
 * too, which the x86_64 ABI passes exactly like a pointer. No function here has six arguments
 * that are all primitives (jnr-ffi bug #181): the widest ones carry a {@link Pointer}.
 */
@SaveError
public interface LibC {
    int openat(int dirfd, Pointer path, int flags, int mode);

    int close(int fd);

    int dup(int fd);

    int fcntl(int fd, int cmd, int arg);

    int statx(int dirfd, Pointer path, int flags, int mask, Pointer statxbuf);

    int mkdirat(int dirfd, Pointer path, int mode);

    int mknodat(int dirfd, Pointer path, int mode, long dev);

    int symlinkat(Pointer target, int newdirfd, Pointer linkpath);

    long readlinkat(int dirfd, Pointer path, Pointer buf, long bufsiz);

    int unlinkat(int dirfd, Pointer path, int flags);

    int renameat2(int olddirfd, Pointer oldpath, int newdirfd, Pointer newpath, int flags);

    int linkat(int olddirfd, Pointer oldpath, int newdirfd, Pointer newpath, int flags);

    int fchmod(int fd, int mode);

    int fchmodat(int dirfd, Pointer path, int mode, int flags);

    int fchownat(int dirfd, Pointer path, int owner, int group, int flags);

    int utimensat(int dirfd, Pointer path, Pointer times, int flags);

    int futimens(int fd, Pointer times);

    int ftruncate(int fd, long length);

    int fallocate(int fd, int mode, long offset, long len);

    int fsync(int fd);

    int fdatasync(int fd);

    int fstatvfs(int fd, Pointer buf);

    long lseek(int fd, long offset, int whence);

    int syncfs(int fd);

    int umask(int mask);

    int fchdir(int fd);

    int name_to_handle_at(int dirfd, Pointer path, Pointer handle, Pointer mountId, int flags);

    int open_by_handle_at(int mountFd, Pointer handle, int flags);

    /** {@code openat2(dirfd, path, how, size)} through syscall(2): glibc 2.36 has no wrapper. */
    long syscall(long number, int dirfd, Pointer path, Pointer how, long size);

    /** {@code getdents64(fd, dirp, count)} through syscall(2). */
    long syscall(long number, int fd, Pointer dirp, long count);

    long preadv(int fd, long iov, int iovcnt, long offset);

    long pwritev(int fd, long iov, int iovcnt, long offset);

    long pwritev2(int fd, long iov, int iovcnt, long offset, int flags);

    long fgetxattr(int fd, Pointer name, Pointer value, long size);

    int fsetxattr(int fd, Pointer name, Pointer value, long size, int flags);

    long flistxattr(int fd, Pointer list, long size);

    int fremovexattr(int fd, Pointer name);

    long getxattr(Pointer path, Pointer name, Pointer value, long size);

    int setxattr(Pointer path, Pointer name, Pointer value, long size, int flags);

    long listxattr(Pointer path, Pointer list, long size);

    int removexattr(Pointer path, Pointer name);

    long calloc(long count, long size);

    void free(long address);

    String strerror(int errnum);
}
