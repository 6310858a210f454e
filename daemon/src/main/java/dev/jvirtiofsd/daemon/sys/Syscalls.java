package dev.jvirtiofsd.daemon.sys;

import jnr.ffi.Pointer;

/**
 * Thin wrappers of the file syscalls: each returns its result (0, an fd, a length, an offset) or
 * a negative errno, never throws, and stages names and structs in this thread's
 * {@link ThreadScratch} buffers.
 *
 * <p>A {@code byte[] name} is a path or name without its terminating NUL; {@code null} stands
 * for the empty path (for use with {@link Fcntl#AT_EMPTY_PATH} or on an fd). Callers reject
 * NUL bytes inside names; a name of {@link Fcntl#PATH_MAX} bytes or more gives -ENAMETOOLONG.
 */
public final class Syscalls {
    public static final int STATX_BASIC_STATS = 0x7ff;
    public static final int STATX_BTIME = 0x800;
    public static final int STATX_MNT_ID = 0x1000;

    /** struct file_handle: {@code u32 handle_bytes; int handle_type;} then the handle's bytes. */
    public static final int FILE_HANDLE_HEADER = 8;
    public static final int FILE_HANDLE_SIZE = FILE_HANDLE_HEADER + Fcntl.MAX_HANDLE_SZ;

    static final long SYS_GETDENTS64 = 217;
    static final long SYS_OPENAT2 = 437;

    /** A single NUL byte: the empty path. Never written. */
    private static final Pointer EMPTY_PATH = Native.allocate(1);

    private Syscalls() {
    }

    /** Stages {@code name} in {@code buffer}, or answers the empty path for null. */
    private static Pointer path(Pointer buffer, byte[] name) {
        if (name == null) {
            return EMPTY_PATH;
        }
        return ThreadScratch.putString(buffer, name) < 0 ? null : buffer;
    }

    public static int openat(int dirfd, byte[] name, int flags, int mode) {
        Pointer p = path(ThreadScratch.get().path1, name);
        if (p == null) {
            return -Errno.ENAMETOOLONG;
        }
        return Native.result(Native.LIBC.openat(dirfd, p, flags, mode));
    }

    /** openat2(2) with {@code struct open_how {flags, mode, resolve}}. -ENOSYS on kernels before 5.6. */
    public static int openat2(int dirfd, byte[] name, int flags, int mode, int resolve) {
        ThreadScratch scratch = ThreadScratch.get();
        Pointer p = path(scratch.path1, name);
        if (p == null) {
            return -Errno.ENAMETOOLONG;
        }
        Pointer how = scratch.openHow;
        how.putLong(0, flags & 0xffffffffL);
        how.putLong(8, mode & 0xffffffffL);
        how.putLong(16, resolve & 0xffffffffL);
        return (int) Native.result(Native.LIBC.syscall(SYS_OPENAT2, dirfd, p, how, ThreadScratch.OPEN_HOW_SIZE));
    }

    /**
     * Whether openat2 with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS works here (kernel 5.6+, not
     * refused by a seccomp filter). Probed once.
     */
    public static boolean openat2Supported() {
        return Openat2Probe.SUPPORTED;
    }

    private static final class Openat2Probe {
        static final boolean SUPPORTED = probe();

        private static boolean probe() {
            int fd = openat2(Fcntl.AT_FDCWD, new byte[] {'/'}, Fcntl.O_PATH | Fcntl.O_CLOEXEC, 0,
                    Fcntl.RESOLVE_IN_ROOT | Fcntl.RESOLVE_NO_MAGICLINKS);
            if (fd < 0) {
                return false;
            }
            close(fd);
            return true;
        }
    }

    public static int close(int fd) {
        return Native.result(Native.LIBC.close(fd));
    }

    public static int dup(int fd) {
        return Native.result(Native.LIBC.dup(fd));
    }

    public static int fcntl(int fd, int cmd, int arg) {
        return Native.result(Native.LIBC.fcntl(fd, cmd, arg));
    }

    public static int statx(int dirfd, byte[] name, int flags, int mask, Stat out) {
        ThreadScratch scratch = ThreadScratch.get();
        Pointer p = path(scratch.path1, name);
        if (p == null) {
            return -Errno.ENAMETOOLONG;
        }
        int ret = Native.LIBC.statx(dirfd, p, flags, mask, scratch.statx);
        if (ret < 0) {
            return Native.negErrno();
        }
        out.readFrom(scratch.statx);
        return 0;
    }

    /** Stats what {@code fd} refers to (an O_PATH fd included), never following a symlink. */
    public static int fstat(int fd, Stat out) {
        return statx(fd, null, Fcntl.AT_EMPTY_PATH | Fcntl.AT_SYMLINK_NOFOLLOW,
                STATX_BASIC_STATS | STATX_MNT_ID, out);
    }

    public static int mkdirat(int dirfd, byte[] name, int mode) {
        Pointer p = path(ThreadScratch.get().path1, name);
        if (p == null) {
            return -Errno.ENAMETOOLONG;
        }
        return Native.result(Native.LIBC.mkdirat(dirfd, p, mode));
    }

    /** @param dev the device number, glibc encoding (a 32-bit FUSE rdev zero-extended is valid) */
    public static int mknodat(int dirfd, byte[] name, int mode, long dev) {
        Pointer p = path(ThreadScratch.get().path1, name);
        if (p == null) {
            return -Errno.ENAMETOOLONG;
        }
        return Native.result(Native.LIBC.mknodat(dirfd, p, mode, dev));
    }

    public static int symlinkat(byte[] target, int dirfd, byte[] name) {
        ThreadScratch scratch = ThreadScratch.get();
        Pointer t = path(scratch.path2, target);
        Pointer p = path(scratch.path1, name);
        if (t == null || p == null) {
            return -Errno.ENAMETOOLONG;
        }
        return Native.result(Native.LIBC.symlinkat(t, dirfd, p));
    }

    /** Reads a link's target into {@code buf} (truncated to its length); returns the bytes stored. */
    public static int readlinkat(int dirfd, byte[] name, byte[] buf) {
        ThreadScratch scratch = ThreadScratch.get();
        Pointer p = path(scratch.path1, name);
        if (p == null) {
            return -Errno.ENAMETOOLONG;
        }
        int room = Math.min(buf.length, Fcntl.PATH_MAX);
        long n = Native.LIBC.readlinkat(dirfd, p, scratch.linkTarget, room);
        if (n < 0) {
            return Native.negErrno();
        }
        scratch.linkTarget.get(0, buf, 0, (int) n);
        return (int) n;
    }

    public static int unlinkat(int dirfd, byte[] name, int flags) {
        Pointer p = path(ThreadScratch.get().path1, name);
        if (p == null) {
            return -Errno.ENAMETOOLONG;
        }
        return Native.result(Native.LIBC.unlinkat(dirfd, p, flags));
    }

    public static int renameat2(int olddirfd, byte[] oldName, int newdirfd, byte[] newName, int flags) {
        ThreadScratch scratch = ThreadScratch.get();
        Pointer o = path(scratch.path1, oldName);
        Pointer n = path(scratch.path2, newName);
        if (o == null || n == null) {
            return -Errno.ENAMETOOLONG;
        }
        return Native.result(Native.LIBC.renameat2(olddirfd, o, newdirfd, n, flags));
    }

    public static int linkat(int olddirfd, byte[] oldName, int newdirfd, byte[] newName, int flags) {
        ThreadScratch scratch = ThreadScratch.get();
        Pointer o = path(scratch.path1, oldName);
        Pointer n = path(scratch.path2, newName);
        if (o == null || n == null) {
            return -Errno.ENAMETOOLONG;
        }
        return Native.result(Native.LIBC.linkat(olddirfd, o, newdirfd, n, flags));
    }

    public static int fchmod(int fd, int mode) {
        return Native.result(Native.LIBC.fchmod(fd, mode));
    }

    public static int fchmodat(int dirfd, byte[] name, int mode, int flags) {
        Pointer p = path(ThreadScratch.get().path1, name);
        if (p == null) {
            return -Errno.ENAMETOOLONG;
        }
        return Native.result(Native.LIBC.fchmodat(dirfd, p, mode, flags));
    }

    /** @param uid the new owner, or -1 to keep it; likewise {@code gid} */
    public static int fchownat(int dirfd, byte[] name, int uid, int gid, int flags) {
        Pointer p = path(ThreadScratch.get().path1, name);
        if (p == null) {
            return -Errno.ENAMETOOLONG;
        }
        return Native.result(Native.LIBC.fchownat(dirfd, p, uid, gid, flags));
    }

    /**
     * Sets access and modification times; a nanosecond value of {@link Fcntl#UTIME_NOW} or
     * {@link Fcntl#UTIME_OMIT} has its utimensat(2) meaning.
     */
    public static int utimensat(int dirfd, byte[] name, long atimeSec, long atimeNsec, long mtimeSec, long mtimeNsec,
                                int flags) {
        ThreadScratch scratch = ThreadScratch.get();
        Pointer p = path(scratch.path1, name);
        if (p == null) {
            return -Errno.ENAMETOOLONG;
        }
        putTimes(scratch.timespecs, atimeSec, atimeNsec, mtimeSec, mtimeNsec);
        return Native.result(Native.LIBC.utimensat(dirfd, p, scratch.timespecs, flags));
    }

    public static int futimens(int fd, long atimeSec, long atimeNsec, long mtimeSec, long mtimeNsec) {
        Pointer times = ThreadScratch.get().timespecs;
        putTimes(times, atimeSec, atimeNsec, mtimeSec, mtimeNsec);
        return Native.result(Native.LIBC.futimens(fd, times));
    }

    static void putTimes(Pointer times, long atimeSec, long atimeNsec, long mtimeSec, long mtimeNsec) {
        times.putLong(0, atimeSec);
        times.putLong(8, atimeNsec);
        times.putLong(16, mtimeSec);
        times.putLong(24, mtimeNsec);
    }

    public static int ftruncate(int fd, long length) {
        return Native.result(Native.LIBC.ftruncate(fd, length));
    }

    public static int fallocate(int fd, int mode, long offset, long length) {
        return Native.result(Native.LIBC.fallocate(fd, mode, offset, length));
    }

    public static int fsync(int fd) {
        return Native.result(Native.LIBC.fsync(fd));
    }

    public static int fdatasync(int fd) {
        return Native.result(Native.LIBC.fdatasync(fd));
    }

    /** fstatvfs(3); works on an O_PATH fd. */
    public static int fstatvfs(int fd, StatVfs out) {
        Pointer buf = ThreadScratch.get().statvfs;
        int ret = Native.LIBC.fstatvfs(fd, buf);
        if (ret < 0) {
            return Native.negErrno();
        }
        out.readFrom(buf);
        return 0;
    }

    public static long lseek(int fd, long offset, int whence) {
        return Native.result(Native.LIBC.lseek(fd, offset, whence));
    }

    public static int syncfs(int fd) {
        return Native.result(Native.LIBC.syncfs(fd));
    }

    /** Changes the process's working directory to the directory {@code fd} refers to. */
    public static int fchdir(int fd) {
        return Native.result(Native.LIBC.fchdir(fd));
    }

    /**
     * name_to_handle_at(fd, "", AT_EMPTY_PATH): the file handle of what {@code fd} refers to (an
     * O_PATH fd included), copied as a whole {@code struct file_handle} into {@code out}, which
     * needs {@link #FILE_HANDLE_SIZE} bytes. Returns the mount id that comes with it, or -errno:
     * EOPNOTSUPP where the filesystem gives no handles, EOVERFLOW for one above MAX_HANDLE_SZ.
     */
    public static int nameToHandle(int fd, byte[] out) {
        if (out.length < FILE_HANDLE_SIZE) {
            return -Errno.EINVAL;
        }
        ThreadScratch scratch = ThreadScratch.get();
        Pointer handle = scratch.fileHandle;
        handle.putInt(0, Fcntl.MAX_HANDLE_SZ);
        int ret = Native.LIBC.name_to_handle_at(fd, EMPTY_PATH, handle, scratch.mountId, Fcntl.AT_EMPTY_PATH);
        if (ret < 0) {
            return Native.negErrno();
        }
        int length = handle.getInt(0);
        if (length < 0 || length > Fcntl.MAX_HANDLE_SZ) {
            return -Errno.EOVERFLOW;
        }
        handle.get(0, out, 0, FILE_HANDLE_HEADER + length);
        return scratch.mountId.getInt(0);
    }

    /**
     * open_by_handle_at(2) of a {@code struct file_handle} as {@link #nameToHandle} gave it, against
     * {@code mountFd}, an fd on the handle's mount that is not O_PATH (the kernel answers EBADF
     * then). Needs CAP_DAC_READ_SEARCH. Returns the new fd or -errno (ESTALE: the file is gone).
     */
    public static int openByHandle(int mountFd, byte[] handle, int flags) {
        int length = handle.length >= FILE_HANDLE_HEADER ? FILE_HANDLE_HEADER + handleBytes(handle) : -1;
        if (length < FILE_HANDLE_HEADER || length > handle.length || length > FILE_HANDLE_SIZE) {
            return -Errno.EINVAL;
        }
        Pointer p = ThreadScratch.get().fileHandle;
        p.put(0, handle, 0, length);
        return Native.result(Native.LIBC.open_by_handle_at(mountFd, p, flags));
    }

    /** The {@code handle_bytes} field of a struct file_handle in a Java array (native byte order). */
    public static int handleBytes(byte[] handle) {
        return (handle[0] & 0xff) | (handle[1] & 0xff) << 8 | (handle[2] & 0xff) << 16 | (handle[3] & 0xff) << 24;
    }

    /** Sets the process umask; returns the previous one. */
    public static int umask(int mask) {
        return Native.LIBC.umask(mask);
    }

    /** preadv(2) into the {@code iovCount} iovecs at native address {@code iov}: one call, no retry. */
    public static long preadv(int fd, long iov, int iovCount, long offset) {
        return Native.result(Native.LIBC.preadv(fd, iov, iovCount, offset));
    }

    /** pwritev(2) from the iovecs at {@code iov}; pwritev2(2) when {@code rwFlags} (RWF_*) is not 0. */
    public static long pwritev(int fd, long iov, int iovCount, long offset, int rwFlags) {
        long n = rwFlags == 0
                ? Native.LIBC.pwritev(fd, iov, iovCount, offset)
                : Native.LIBC.pwritev2(fd, iov, iovCount, offset, rwFlags);
        return Native.result(n);
    }

    /**
     * Reads one batch of entries with getdents64(2) at the directory's current position.
     * Returns the number of bytes the kernel filled in (0 at the end), or -errno.
     */
    static long getdents64(int fd, Pointer buffer, int size) {
        return Native.result(Native.LIBC.syscall(SYS_GETDENTS64, fd, buffer, size));
    }

    // ---- extended attributes ------------------------------------------------------------------

    /** fgetxattr(2): with {@code buf == null} only the value's size. */
    public static int fgetxattr(int fd, byte[] name, byte[] buf) {
        if (buf != null && buf.length == 0) {
            return emptyBufferResult(fgetxattr(fd, name, null));
        }
        ThreadScratch scratch = ThreadScratch.get();
        Pointer n = path(scratch.path2, name);
        if (n == null) {
            return -Errno.ERANGE;
        }
        if (buf == null) {
            return (int) Native.result(Native.LIBC.fgetxattr(fd, n, null, 0));
        }
        Pointer value = scratch.xattrValue();
        long got = Native.LIBC.fgetxattr(fd, n, value, Math.min(buf.length, Fcntl.XATTR_SIZE_MAX));
        return copyOut(got, value, buf);
    }

    public static int fsetxattr(int fd, byte[] name, byte[] value, int flags) {
        ThreadScratch scratch = ThreadScratch.get();
        Pointer n = path(scratch.path2, name);
        if (n == null) {
            return -Errno.ERANGE;
        }
        if (value.length > Fcntl.XATTR_SIZE_MAX) {
            return -Errno.E2BIG;
        }
        Pointer v = scratch.xattrValue();
        v.put(0, value, 0, value.length);
        return Native.result(Native.LIBC.fsetxattr(fd, n, v, value.length, flags));
    }

    /** flistxattr(2): the NUL-separated names; with {@code buf == null} only the list's size. */
    public static int flistxattr(int fd, byte[] buf) {
        if (buf != null && buf.length == 0) {
            return emptyBufferResult(flistxattr(fd, null));
        }
        if (buf == null) {
            return (int) Native.result(Native.LIBC.flistxattr(fd, null, 0));
        }
        Pointer list = ThreadScratch.get().xattrValue();
        long got = Native.LIBC.flistxattr(fd, list, Math.min(buf.length, Fcntl.XATTR_LIST_MAX));
        return copyOut(got, list, buf);
    }

    public static int fremovexattr(int fd, byte[] name) {
        Pointer n = path(ThreadScratch.get().path2, name);
        if (n == null) {
            return -Errno.ERANGE;
        }
        return Native.result(Native.LIBC.fremovexattr(fd, n));
    }

    /** getxattr(2) on a path, following a final symlink (meant for fd magic links, see {@link ProcSelfFd}). */
    public static int getxattr(byte[] path, byte[] name, byte[] buf) {
        if (buf != null && buf.length == 0) {
            return emptyBufferResult(getxattr(path, name, null));
        }
        ThreadScratch scratch = ThreadScratch.get();
        Pointer p = path(scratch.path1, path);
        Pointer n = path(scratch.path2, name);
        if (p == null) {
            return -Errno.ENAMETOOLONG;
        }
        if (n == null) {
            return -Errno.ERANGE;
        }
        if (buf == null) {
            return (int) Native.result(Native.LIBC.getxattr(p, n, null, 0));
        }
        Pointer value = scratch.xattrValue();
        long got = Native.LIBC.getxattr(p, n, value, Math.min(buf.length, Fcntl.XATTR_SIZE_MAX));
        return copyOut(got, value, buf);
    }

    public static int setxattr(byte[] path, byte[] name, byte[] value, int flags) {
        ThreadScratch scratch = ThreadScratch.get();
        Pointer p = path(scratch.path1, path);
        Pointer n = path(scratch.path2, name);
        if (p == null) {
            return -Errno.ENAMETOOLONG;
        }
        if (n == null) {
            return -Errno.ERANGE;
        }
        if (value.length > Fcntl.XATTR_SIZE_MAX) {
            return -Errno.E2BIG;
        }
        Pointer v = scratch.xattrValue();
        v.put(0, value, 0, value.length);
        return Native.result(Native.LIBC.setxattr(p, n, v, value.length, flags));
    }

    public static int listxattr(byte[] path, byte[] buf) {
        if (buf != null && buf.length == 0) {
            return emptyBufferResult(listxattr(path, null));
        }
        ThreadScratch scratch = ThreadScratch.get();
        Pointer p = path(scratch.path1, path);
        if (p == null) {
            return -Errno.ENAMETOOLONG;
        }
        if (buf == null) {
            return (int) Native.result(Native.LIBC.listxattr(p, null, 0));
        }
        Pointer list = scratch.xattrValue();
        long got = Native.LIBC.listxattr(p, list, Math.min(buf.length, Fcntl.XATTR_LIST_MAX));
        return copyOut(got, list, buf);
    }

    public static int removexattr(byte[] path, byte[] name) {
        ThreadScratch scratch = ThreadScratch.get();
        Pointer p = path(scratch.path1, path);
        Pointer n = path(scratch.path2, name);
        if (p == null) {
            return -Errno.ENAMETOOLONG;
        }
        if (n == null) {
            return -Errno.ERANGE;
        }
        return Native.result(Native.LIBC.removexattr(p, n));
    }

    /** A zero-length buffer would read as a size query to the kernel: too small unless the value is empty. */
    private static int emptyBufferResult(int size) {
        return size > 0 ? -Errno.ERANGE : size;
    }

    private static int copyOut(long got, Pointer from, byte[] to) {
        if (got < 0) {
            return Native.negErrno();
        }
        from.get(0, to, 0, (int) got);
        return (int) got;
    }

    /** strerror(3), for log and exception messages. */
    public static String strerror(int errno) {
        String s = Native.LIBC.strerror(errno);
        return s != null ? s : "errno " + errno;
    }
}
