package dev.jvirtiofsd.daemon;

import dev.jvirtiofsd.daemon.sys.Errno;
import dev.jvirtiofsd.daemon.sys.ErrnoException;
import dev.jvirtiofsd.daemon.sys.Fcntl;
import dev.jvirtiofsd.daemon.sys.FileLocks;
import dev.jvirtiofsd.daemon.sys.ProcessCalls;
import dev.jvirtiofsd.daemon.sys.Stat;
import dev.jvirtiofsd.daemon.sys.Syscalls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The pid file {@code SOCKET.pid} beside a {@code --socket-path}, as the Rust virtiofsd keeps it:
 * mode 0600, holding "PID\n", locked with {@code flock(LOCK_EX | LOCK_NB)} for the daemon's
 * lifetime. A second daemon on the same socket path finds it locked and stops instead of taking
 * the socket from the first; a pid file nobody holds (its daemon died) is taken over, and the
 * socket beside it is then stale and replaced. The Rust virtiofsd uses the same name and lock, so
 * the two exclude each other too.
 *
 * <p>After locking, the file at the path must still be the file locked (same device and inode):
 * otherwise a daemon that was exiting removed it in between, and the lock is taken again on a new
 * file. The file is removed at exit while it is still reachable by its path, that is, unless the
 * daemon entered a chroot or namespace sandbox ({@link #keepFile()}); then it stays, unlocked, as
 * the Rust virtiofsd leaves it, and the next daemon takes it over.
 */
final class SocketPidFile implements AutoCloseable {
    private static final int MAX_ATTEMPTS = 100;

    private final Path path;
    private final int fd;
    private volatile boolean keepFile;
    private boolean closed;

    private SocketPidFile(Path path, int fd) {
        this.path = path;
        this.fd = fd;
    }

    /** The pid file's path for {@code socket}. */
    static Path pathFor(Path socket) {
        return socket.resolveSibling(socket.getFileName() + ".pid");
    }

    /**
     * Creates (or takes over) and locks the pid file of {@code socket}, and writes {@code pid} into it.
     *
     * @throws InUseException when another process holds it
     * @throws ErrnoException when it cannot be created or locked
     */
    static SocketPidFile acquire(Path socket, long pid) throws IOException {
        Path path = pathFor(socket);
        byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            int fd = ErrnoException.check(Syscalls.openat(Fcntl.AT_FDCWD, name,
                    Fcntl.O_RDWR | Fcntl.O_CREAT | Fcntl.O_NOFOLLOW | Fcntl.O_CLOEXEC, 0600), "open " + path);
            try {
                int locked = FileLocks.flock(fd, FileLocks.LOCK_EX | FileLocks.LOCK_NB);
                if (locked == -Errno.EAGAIN) { // EWOULDBLOCK
                    throw new InUseException(socket, holder(path));
                }
                ErrnoException.check(locked, "flock " + path);
                if (!stillAtPath(fd, name)) {
                    Syscalls.close(fd);
                    continue;
                }
                ErrnoException.check(Syscalls.ftruncate(fd, 0), "truncate " + path);
                byte[] content = (pid + "\n").getBytes(StandardCharsets.US_ASCII);
                if (ProcessCalls.write(fd, content, content.length) != content.length) {
                    throw new IOException("cannot write the pid file " + path);
                }
                return new SocketPidFile(path, fd);
            } catch (IOException | RuntimeException e) {
                Syscalls.close(fd);
                throw e;
            }
        }
        throw new IOException("cannot lock the pid file " + path + ": it is removed and made again all the time");
    }

    /** Whether the path still names the file open at {@code fd} (an exiting daemon may have removed it). */
    private static boolean stillAtPath(int fd, byte[] name) throws ErrnoException {
        Stat open = new Stat();
        ErrnoException.check(Syscalls.fstat(fd, open), "stat the pid file");
        Stat atPath = new Stat();
        if (Syscalls.statx(Fcntl.AT_FDCWD, name, Fcntl.AT_SYMLINK_NOFOLLOW, Syscalls.STATX_BASIC_STATS, atPath) < 0) {
            return false;
        }
        return open.ino == atPath.ino && open.dev() == atPath.dev();
    }

    /** The pid written in the file by the daemon that holds it, or null if it cannot be read. */
    private static Long holder(Path path) {
        try {
            return Long.parseLong(Files.readString(path, StandardCharsets.US_ASCII).strip());
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    /** From now on the path is not this process's to touch (it entered a sandbox): leave the file at exit. */
    void keepFile() {
        keepFile = true;
    }

    /** Removes the file (unless kept) while still holding the lock, then releases the lock. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!keepFile) {
            Syscalls.unlinkat(Fcntl.AT_FDCWD, path.toString().getBytes(StandardCharsets.UTF_8), 0);
        }
        Syscalls.close(fd);
    }

    /** Another running daemon holds the pid file of the socket path. */
    static final class InUseException extends IOException {
        private static final long serialVersionUID = 1L;

        InUseException(Path socket, Long pid) {
            super("socket path " + socket + " is in use by a running daemon"
                    + (pid == null ? "" : " (pid " + pid + ")") + ": stop it first"
                    + (pid == null ? "" : " (kill " + pid + ")") + ", or choose another --socket-path");
        }
    }
}
