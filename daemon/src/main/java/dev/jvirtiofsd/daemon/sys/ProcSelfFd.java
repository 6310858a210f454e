package dev.jvirtiofsd.daemon.sys;

import java.nio.charset.StandardCharsets;
import java.util.function.IntSupplier;

import jnr.ffi.Pointer;

/**
 * The calls that have no form taking an O_PATH fd go through the fd's magic link in
 * {@code /proc/self/fd}: the directory is held open and addressed as {@code *at(dir, "N")}, so
 * the link always resolves to exactly the inode the fd holds, never to a path that a rename could
 * have changed. Following a magic link that points at a symlink yields the symlink itself, so
 * nothing here ever follows a symlink's target.
 *
 * <p>The path xattr calls have no {@code *at} form at all. For them the process briefly changes
 * its working directory into the held directory and names the link relatively, as the Rust
 * virtiofsd does; this works after a chroot too, where no /proc path exists. The working
 * directory is process-wide, so those calls are serialized and the previous one is restored.
 */
public final class ProcSelfFd implements AutoCloseable {
    public static final String DEFAULT_PATH = "/proc/self/fd";
    private static final Object WORKING_DIRECTORY_LOCK = new Object();
    private static final byte[] DOT = {'.'};

    private final int dirFd;

    private ProcSelfFd(int dirFd) {
        this.dirFd = dirFd;
    }

    public static ProcSelfFd open() throws ErrnoException {
        return open(DEFAULT_PATH);
    }

    /** Opens the directory of this process's fd magic links at {@code path}. */
    public static ProcSelfFd open(String path) throws ErrnoException {
        int fd = Syscalls.openat(Fcntl.AT_FDCWD, path.getBytes(StandardCharsets.UTF_8),
                Fcntl.O_PATH | Fcntl.O_DIRECTORY | Fcntl.O_CLOEXEC, 0);
        ErrnoException.check(fd, "open " + path);
        return new ProcSelfFd(fd);
    }

    public int dirFd() {
        return dirFd;
    }

    /** Stages the decimal name of {@code fd} in the thread's first path buffer. */
    private static Pointer fdName(int fd) {
        Pointer p = ThreadScratch.get().path1;
        ThreadScratch.putDecimal(p, 0, fd);
        return p;
    }

    /**
     * Opens the inode {@code fd} refers to anew with {@code flags} (O_CLOEXEC added; O_CREAT,
     * O_EXCL, O_NOFOLLOW, O_TMPFILE removed: the magic link itself is a symlink and must be
     * followed). Returns the new fd or -errno.
     */
    public int reopen(int fd, int flags) {
        if (fd < 0) {
            return -Errno.EBADF;
        }
        int clean = (flags & ~(Fcntl.O_CREAT | Fcntl.O_EXCL | Fcntl.O_NOFOLLOW | Fcntl.O_TMPFILE)) | Fcntl.O_CLOEXEC;
        return Native.result(Native.LIBC.openat(dirFd, fdName(fd), clean, 0));
    }

    public int chmod(int fd, int mode) {
        if (fd < 0) {
            return -Errno.EBADF;
        }
        return Native.result(Native.LIBC.fchmodat(dirFd, fdName(fd), mode, 0));
    }

    /** utimensat(2) on the inode; nanoseconds may be UTIME_NOW / UTIME_OMIT. */
    public int utimens(int fd, long atimeSec, long atimeNsec, long mtimeSec, long mtimeNsec) {
        if (fd < 0) {
            return -Errno.EBADF;
        }
        Pointer times = ThreadScratch.get().timespecs;
        Syscalls.putTimes(times, atimeSec, atimeNsec, mtimeSec, mtimeNsec);
        return Native.result(Native.LIBC.utimensat(dirFd, fdName(fd), times, 0));
    }

    /** Creates a hard link {@code newName} in {@code newDirFd} to the inode {@code fd} refers to. */
    public int link(int fd, int newDirFd, byte[] newName) {
        if (fd < 0) {
            return -Errno.EBADF;
        }
        Pointer n = ThreadScratch.get().path2;
        if (ThreadScratch.putString(n, newName) < 0) {
            return -Errno.ENAMETOOLONG;
        }
        return Native.result(Native.LIBC.linkat(dirFd, fdName(fd), newDirFd, n, Fcntl.AT_SYMLINK_FOLLOW));
    }

    /** The decimal name of {@code fd}, relative to the fd directory. */
    private static byte[] linkName(int fd) {
        return Integer.toString(fd).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Runs {@code call} with the working directory inside the fd directory, then goes back to the
     * previous working directory. Returns the call's result, or -errno if the directory could
     * not be changed.
     */
    private int inFdDirectory(IntSupplier call) {
        synchronized (WORKING_DIRECTORY_LOCK) {
            int previous = Syscalls.openat(Fcntl.AT_FDCWD, DOT, Fcntl.O_PATH | Fcntl.O_DIRECTORY | Fcntl.O_CLOEXEC, 0);
            if (previous < 0) {
                return previous;
            }
            try {
                int ret = Syscalls.fchdir(dirFd);
                if (ret < 0) {
                    return ret;
                }
                try {
                    return call.getAsInt();
                } finally {
                    Syscalls.fchdir(previous);
                }
            } finally {
                Syscalls.close(previous);
            }
        }
    }

    public int getxattr(int fd, byte[] name, byte[] buf) {
        return fd < 0 ? -Errno.EBADF : inFdDirectory(() -> Syscalls.getxattr(linkName(fd), name, buf));
    }

    public int setxattr(int fd, byte[] name, byte[] value, int flags) {
        return fd < 0 ? -Errno.EBADF : inFdDirectory(() -> Syscalls.setxattr(linkName(fd), name, value, flags));
    }

    public int listxattr(int fd, byte[] buf) {
        return fd < 0 ? -Errno.EBADF : inFdDirectory(() -> Syscalls.listxattr(linkName(fd), buf));
    }

    public int removexattr(int fd, byte[] name) {
        return fd < 0 ? -Errno.EBADF : inFdDirectory(() -> Syscalls.removexattr(linkName(fd), name));
    }

    @Override
    public void close() {
        Syscalls.close(dirFd);
    }
}
