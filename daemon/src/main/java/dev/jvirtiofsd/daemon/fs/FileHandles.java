package dev.jvirtiofsd.daemon.fs;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.jvirtiofsd.daemon.sys.Errno;
import dev.jvirtiofsd.daemon.sys.ErrnoException;
import dev.jvirtiofsd.daemon.sys.Fcntl;
import dev.jvirtiofsd.daemon.sys.ProcSelfFd;
import dev.jvirtiofsd.daemon.sys.Stat;
import dev.jvirtiofsd.daemon.sys.Syscalls;

/**
 * Inodes held as file handles ({@code --inode-file-handles=prefer|mandatory}): the handle a
 * looked-up file is held by, and the mount fd it is opened against, so that the daemon keeps
 * open only the files the guest has open. Where a filesystem gives no handles, {@code prefer}
 * holds its files by O_PATH fd and {@code mandatory} refuses them; either is logged once per mount.
 */
final class FileHandles {
    private static final Logger LOG = LoggerFactory.getLogger(FileHandles.class);
    private static final ThreadLocal<byte[]> BUFFER = ThreadLocal.withInitial(() -> new byte[Syscalls.FILE_HANDLE_SIZE]);

    private final boolean mandatory;
    private final MountFds mounts;
    private final ProcSelfFd procSelfFd;
    /** Mounts whose filesystem gives no handles at all (EOPNOTSUPP): not asked again. */
    private final Set<Long> withoutHandles = ConcurrentHashMap.newKeySet();
    /** Mounts already named in a log line about handles. */
    private final Set<Long> reported = ConcurrentHashMap.newKeySet();

    FileHandles(InodeFileHandles mode, ProcSelfFd procSelfFd) {
        if (mode == InodeFileHandles.NEVER) {
            throw new IllegalArgumentException("no file handles with --inode-file-handles=never");
        }
        this.mandatory = mode == InodeFileHandles.MANDATORY;
        this.mounts = new MountFds(procSelfFd);
        this.procSelfFd = procSelfFd;
    }

    /**
     * The handle of the file that O_PATH fd {@code fd} (described by {@code st}) refers to, or
     * null when it is to be held by that fd: in prefer mode, where its filesystem gives none.
     *
     * @throws ErrnoException when name_to_handle_at fails otherwise, or (EOPNOTSUPP, EOVERFLOW)
     *         in mandatory mode where there is no handle
     */
    FileHandle handleOf(int fd, Stat st) throws ErrnoException {
        int mountId;
        byte[] buffer = BUFFER.get();
        if (st.mntId != 0 && withoutHandles.contains(st.mntId)) {
            mountId = -Errno.EOPNOTSUPP;
        } else {
            mountId = Syscalls.nameToHandle(fd, buffer);
        }
        if (mountId == -Errno.EOPNOTSUPP || mountId == -Errno.EOVERFLOW) {
            if (mountId == -Errno.EOPNOTSUPP && st.mntId != 0) {
                withoutHandles.add(st.mntId);
            }
            reportOnce(st.mntId, fd, mountId == -Errno.EOPNOTSUPP
                    ? "its filesystem gives no file handles" : "a file handle there is larger than MAX_HANDLE_SZ");
            if (mandatory) {
                throw new ErrnoException("no file handle (--inode-file-handles=mandatory)", -mountId);
            }
            return null;
        }
        ErrnoException.check(mountId, "name_to_handle_at");
        return FileHandle.copyOf(buffer, mountId);
    }

    /**
     * One use of the fd that {@code handle} is opened against; if its mount has none yet it is
     * made from {@code source} (an O_PATH fd on that mount, of type {@code fileType}). Null in
     * prefer mode when none can be made: the file is then held by its fd.
     *
     * @throws ErrnoException in mandatory mode when no mount fd can be made
     */
    MountFds.MountFd mountFor(FileHandle handle, int source, int fileType) throws ErrnoException {
        try {
            return mounts.acquire(handle.mountId, source, fileType);
        } catch (ErrnoException e) {
            reportOnce(handle.mountId, source, e.getMessage());
            if (mandatory) {
                throw e;
            }
            return null;
        }
    }

    /** How many mount fds are open (for tests). */
    int mountFdCount() {
        return mounts.size();
    }

    private void reportOnce(long mountId, int fd, String problem) {
        if (!reported.add(mountId)) {
            return;
        }
        String where = "mount " + mountId + " (" + pathOf(fd) + ")";
        if (mandatory) {
            LOG.error("{}: {}; its files cannot be looked up with --inode-file-handles=mandatory", where, problem);
        } else {
            LOG.warn("{}: {}; its files are held by O_PATH file descriptors", where, problem);
        }
    }

    /** Where {@code fd} is, for a log line: its magic link's target, as this process sees it. */
    private String pathOf(int fd) {
        byte[] target = new byte[Fcntl.PATH_MAX];
        int n = Syscalls.readlinkat(procSelfFd.dirFd(), Integer.toString(fd).getBytes(StandardCharsets.US_ASCII),
                target);
        return n < 0 ? "path unknown" : new String(target, 0, n, StandardCharsets.UTF_8);
    }

    /**
     * Whether file handles work for {@code dir} in this process as it runs now: a handle made for
     * it, an fd of its mount opened, and the handle opened again through it (which needs
     * CAP_DAC_READ_SEARCH), as the Rust virtiofsd checks at start-up.
     *
     * @return null if they work, else a one-line reason
     */
    static String probe(Path dir, ProcSelfFd procSelfFd) {
        int fd = Syscalls.openat(Fcntl.AT_FDCWD, dir.toString().getBytes(StandardCharsets.UTF_8),
                Fcntl.O_PATH | Fcntl.O_NOFOLLOW | Fcntl.O_CLOEXEC, 0);
        if (fd < 0) {
            return "cannot open " + dir + ": " + Syscalls.strerror(-fd);
        }
        int mountFd = -1;
        try {
            byte[] buffer = new byte[Syscalls.FILE_HANDLE_SIZE];
            int mountId = Syscalls.nameToHandle(fd, buffer);
            if (mountId < 0) {
                return "cannot make a file handle for " + dir + ": " + Syscalls.strerror(-mountId)
                        + (mountId == -Errno.EOPNOTSUPP ? " (its filesystem does not support file handles)" : "");
            }
            mountFd = procSelfFd.reopen(fd, Fcntl.O_RDONLY | Fcntl.O_NONBLOCK);
            if (mountFd < 0) {
                return "cannot open " + dir + " for its file handles: " + Syscalls.strerror(-mountFd);
            }
            int opened = FileHandle.copyOf(buffer, mountId).open(mountFd, Fcntl.O_PATH | Fcntl.O_CLOEXEC);
            if (opened < 0) {
                return "cannot open the file handle of " + dir + ": " + Syscalls.strerror(-opened)
                        + (opened == -Errno.EPERM ? " (opening file handles needs CAP_DAC_READ_SEARCH)" : "");
            }
            Syscalls.close(opened);
            return null;
        } finally {
            if (mountFd >= 0) {
                Syscalls.close(mountFd);
            }
            Syscalls.close(fd);
        }
    }
}
