package dev.jvirtiofsd.daemon.fs;

import java.util.HashMap;
import java.util.Map;

import dev.jvirtiofsd.daemon.sys.ErrnoException;
import dev.jvirtiofsd.daemon.sys.Errno;
import dev.jvirtiofsd.daemon.sys.Fcntl;
import dev.jvirtiofsd.daemon.sys.FileMode;
import dev.jvirtiofsd.daemon.sys.ProcSelfFd;
import dev.jvirtiofsd.daemon.sys.Stat;
import dev.jvirtiofsd.daemon.sys.Syscalls;

/**
 * The fds that file handles are opened against: open_by_handle_at needs an fd on the handle's
 * mount, and not an O_PATH one (the kernel answers EBADF). One per mount id, made from the first
 * directory (or regular file) the guest looks up on that mount, reopened read-only through its
 * magic link; shared by every inode held by handle on that mount and closed with the last of them.
 *
 * <p>The Rust virtiofsd finds each mount's root in /proc/self/mountinfo instead; the namespace
 * sandbox leaves this daemon no mountinfo, and any file on the mount will do.
 */
final class MountFds {
    /** One mount's fd and how many inodes use it. */
    static final class MountFd {
        final long mountId;
        final int fd;
        private final MountFds owner;
        private int users; // guarded by owner

        private MountFd(MountFds owner, long mountId, int fd) {
            this.owner = owner;
            this.mountId = mountId;
            this.fd = fd;
        }

        /** Ends one use; the last closes the fd. */
        void release() {
            owner.release(this);
        }
    }

    private final ProcSelfFd procSelfFd;
    private final Map<Long, MountFd> byMount = new HashMap<>(); // guarded by this

    MountFds(ProcSelfFd procSelfFd) {
        this.procSelfFd = procSelfFd;
    }

    /**
     * One more use of the fd of mount {@code mountId}; if there is none yet it is made from
     * {@code source}, an O_PATH fd on that mount of type {@code fileType} (never a special file:
     * opening a FIFO or a device could block or act). The caller must {@link MountFd#release()} it.
     *
     * @throws ErrnoException when the mount has no fd yet and none can be made from {@code source}
     */
    synchronized MountFd acquire(long mountId, int source, int fileType) throws ErrnoException {
        MountFd mount = byMount.get(mountId);
        if (mount == null) {
            mount = new MountFd(this, mountId, open(mountId, source, fileType));
            byMount.put(mountId, mount);
        }
        mount.users++;
        return mount;
    }

    private int open(long mountId, int source, int fileType) throws ErrnoException {
        if (fileType != FileMode.S_IFDIR && fileType != FileMode.S_IFREG) {
            throw new ErrnoException("no fd for file handles on mount " + mountId
                    + " from a file that is neither a directory nor a regular file", Errno.EOPNOTSUPP);
        }
        int fd = ErrnoException.check(procSelfFd.reopen(source, Fcntl.O_RDONLY | Fcntl.O_NONBLOCK),
                "reopen a file of mount " + mountId + " for its file handles");
        Stat st = new Stat();
        int ret = Syscalls.fstat(fd, st);
        if (ret == 0 && st.mntId != 0 && st.mntId != mountId) {
            ret = -Errno.EXDEV;
        }
        if (ret < 0) {
            Syscalls.close(fd);
            throw new ErrnoException("the fd for the file handles of mount " + mountId, -ret);
        }
        return fd;
    }

    private synchronized void release(MountFd mount) {
        if (--mount.users == 0) {
            byMount.remove(mount.mountId, mount);
            Syscalls.close(mount.fd);
        }
    }

    /** How many mount fds are open (for tests). */
    synchronized int size() {
        return byMount.size();
    }
}
