package dev.jvirtiofsd.daemon.fs;

import dev.jvirtiofsd.daemon.sys.Errno;
import dev.jvirtiofsd.daemon.sys.Fcntl;
import dev.jvirtiofsd.daemon.sys.FileLocks;
import dev.jvirtiofsd.daemon.sys.ProcSelfFd;
import dev.jvirtiofsd.daemon.sys.Syscalls;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The guest's locks, served on the host so that they exclude other guests and host processes.
 *
 * <p>POSIX record locks (GETLK, SETLK, SETLKW) become open file description (OFD) locks. An OFD
 * lock belongs to an open file description, a POSIX lock to a process (the guest's lock owner)
 * and an inode; so each (node, lock owner) gets an open file description of its own, the
 * owner's lock file, opened from the handle of its first lock with that handle's access mode and
 * kept until the owner FLUSHes the node (the guest's close(): POSIX drops all the process's locks
 * on the file then) or the last handle it locked through is RELEASEd. Two owners thus conflict as
 * two processes do, even when they share one handle. A GETLK answers the first conflicting lock;
 * its pid is unknown across systems and reported as 0.
 *
 * <p>flock(2) locks (SETLK/SETLKW with FUSE_LK_FLOCK) belong to the guest's open file, which is
 * the handle: they are flock(2) on the handle's own fd, dropped at RELEASE.
 *
 * <p>A SETLKW that meets a conflict waits in the {@link LockWaiter}; it ends when it gets the lock,
 * with EBADF when the guest FLUSHes its owner on the node or RELEASEs its handle, and with EINTR
 * when the session ends. Its maker may end it too (INTERRUPT, stopping queue).
 */
final class LockTable {
    /** Most owner lock files open at a time; more lock owners get ENOLCK. */
    static final int MAX_OWNER_FILES = 4096;

    private final ProcSelfFd procSelfFd;
    private final HandleTable handles;
    private final boolean posix;
    private final boolean flock;
    private final ConcurrentHashMap<OwnerKey, OwnerFile> owners = new ConcurrentHashMap<>();
    private final LockWaiter waiter = new LockWaiter();

    record OwnerKey(long nodeId, long owner) {
    }

    /** The open file description that holds one owner's POSIX locks on one node. Pinned like a {@link Handle}. */
    static final class OwnerFile {
        final OwnerKey key;
        final int fd;
        final int accessMode;
        /** The handles the owner locked through; when the last one is released the file goes. */
        final Set<Long> handleIds = ConcurrentHashMap.newKeySet();
        private final AtomicInteger pins = new AtomicInteger(1);

        OwnerFile(OwnerKey key, int fd, int accessMode) {
            this.key = key;
            this.fd = fd;
            this.accessMode = accessMode;
        }

        boolean pin() {
            while (true) {
                int count = pins.get();
                if (count == 0) {
                    return false;
                }
                if (pins.compareAndSet(count, count + 1)) {
                    return true;
                }
            }
        }

        void unpin() {
            if (pins.decrementAndGet() == 0) {
                Syscalls.close(fd);
            }
        }

        boolean allows(int type) {
            return type == LockSpec.F_RDLCK ? accessMode != Fcntl.O_WRONLY : accessMode != Fcntl.O_RDONLY;
        }
    }

    LockTable(ProcSelfFd procSelfFd, HandleTable handles, boolean posix, boolean flock) {
        this.procSelfFd = procSelfFd;
        this.handles = handles;
        this.posix = posix;
        this.flock = flock;
    }

    // ---- requests ----

    int getlk(long nodeId, long fh, long owner, LockSpec lock) {
        if (!posix) {
            return -FileSystem.ENOSYS;
        }
        if (lock.type != LockSpec.F_RDLCK && lock.type != LockSpec.F_WRLCK) {
            return -Errno.EINVAL;
        }
        FileLocks.Range range = range(lock);
        if (range == null) {
            return -Errno.EINVAL;
        }
        Handle handle = handles.acquire(fh, nodeId);
        if (handle == null) {
            return -Errno.EBADF;
        }
        OwnerFile file = pinned(new OwnerKey(nodeId, owner));
        try {
            // Without a lock file the owner holds nothing, and the handle's own description holds
            // no record locks: asking through it sees every other lock.
            int rc = FileLocks.getOfd(file != null ? file.fd : handle.fd, range);
            if (rc < 0) {
                return rc;
            }
            lock.type = range.type;
            if (range.type != LockSpec.F_UNLCK) {
                lock.start = range.start;
                lock.end = range.length == 0 ? LockSpec.TO_END : range.start + range.length - 1;
            }
            lock.pid = 0;
            return 0;
        } finally {
            if (file != null) {
                file.unpin();
            }
            handle.unpin();
        }
    }

    /** SETLK ({@code wait == null}) and SETLKW; see {@link FileSystem#setlk}. */
    int setlk(long nodeId, long fh, long owner, LockSpec lock, boolean flockLock, LockWait wait) {
        if (flockLock ? !flock : !posix) {
            return -FileSystem.ENOSYS;
        }
        if (lock.type != LockSpec.F_RDLCK && lock.type != LockSpec.F_WRLCK && lock.type != LockSpec.F_UNLCK) {
            return -Errno.EINVAL;
        }
        FileLocks.Range range = flockLock ? null : range(lock);
        if (!flockLock && range == null) {
            return -Errno.EINVAL;
        }
        Handle handle = handles.acquire(fh, nodeId);
        if (handle == null) {
            return -Errno.EBADF;
        }
        boolean handedOver = false;
        try {
            int rc = flockLock ? flockSetlk(handle, lock.type, wait) : posixSetlk(handle, owner, lock.type, range, wait);
            handedOver = rc == FileSystem.LOCK_PENDING;
            return rc;
        } finally {
            if (!handedOver) {
                handle.unpin();
            }
        }
    }

    private int flockSetlk(Handle handle, int type, LockWait wait) {
        int operation = type == LockSpec.F_RDLCK ? FileLocks.LOCK_SH
                : type == LockSpec.F_WRLCK ? FileLocks.LOCK_EX : FileLocks.LOCK_UN;
        int rc = FileLocks.flock(handle.fd, operation | FileLocks.LOCK_NB);
        if (operation == FileLocks.LOCK_UN) {
            waiter.nudge();
        }
        if (rc == -Errno.EAGAIN && wait != null) {
            return waiter.add(new LockWaiter.Waiting(wait, handle, null, operation, 0, 0));
        }
        return rc;
    }

    private int posixSetlk(Handle handle, long owner, int type, FileLocks.Range range, LockWait wait) {
        OwnerKey key = new OwnerKey(handle.nodeId, owner);
        if (type == LockSpec.F_UNLCK) {
            OwnerFile file = pinned(key);
            if (file == null) {
                return 0; // the owner holds nothing here
            }
            try {
                return FileLocks.setOfd(file.fd, range, false);
            } finally {
                file.unpin();
                waiter.nudge();
            }
        }
        int mode = Syscalls.fcntl(handle.fd, Fcntl.F_GETFL, 0);
        if (mode < 0) {
            return mode;
        }
        mode &= Fcntl.O_ACCMODE;
        if (type == LockSpec.F_RDLCK ? mode == Fcntl.O_WRONLY : mode == Fcntl.O_RDONLY) {
            return -Errno.EBADF; // as fcntl(2) says for a lock the file was not opened for
        }
        OwnerFile[] found = new OwnerFile[1];
        int rc = ownerFile(key, handle, mode, found);
        if (rc < 0) {
            return rc;
        }
        OwnerFile file = found[0];
        boolean handedOver = false;
        try {
            if (!file.allows(type)) {
                // The owner's lock file was opened through a handle of the other access mode.
                return -Errno.EBADF;
            }
            rc = FileLocks.setOfd(file.fd, range, false);
            if (rc == -Errno.EAGAIN && wait != null) {
                rc = waiter.add(new LockWaiter.Waiting(wait, handle, file, type, range.start, range.length));
                handedOver = rc == FileSystem.LOCK_PENDING;
            }
            return rc;
        } finally {
            if (!handedOver) {
                file.unpin();
            }
        }
    }

    // ---- the guest lets go ----

    /** FLUSH: the owner closed the file, which drops all its POSIX locks on the node. */
    void flushed(long nodeId, long owner) {
        if (owners.isEmpty()) {
            return;
        }
        OwnerFile file = owners.remove(new OwnerKey(nodeId, owner));
        if (file != null) {
            drop(file);
        }
    }

    /** RELEASE: the guest's open file is gone, with its flock locks and the waits made through it. */
    void released(long nodeId, long fh) {
        waiter.endWhere(w -> w.handle.id == fh && w.handle.nodeId == nodeId, -Errno.EBADF);
        if (flock) {
            Handle handle = handles.acquire(fh, nodeId);
            if (handle != null) {
                FileLocks.flock(handle.fd, FileLocks.LOCK_UN);
                handle.unpin();
            }
        }
        if (!owners.isEmpty()) {
            for (OwnerFile file : owners.values()) {
                if (file.key.nodeId() == nodeId && file.handleIds.remove(fh) && file.handleIds.isEmpty()
                        && owners.remove(file.key, file)) {
                    drop(file);
                }
            }
        }
        waiter.nudge();
    }

    /** End of session: every wait ends with EINTR, every lock is released. */
    void clear() {
        waiter.endWhere(w -> true, -Errno.EINTR);
        for (OwnerFile file : owners.values()) {
            if (owners.remove(file.key, file)) {
                drop(file);
            }
        }
    }

    void close() {
        waiter.close(-Errno.EINTR);
        clear();
    }

    /** Number of requests waiting for a lock (for tests). */
    int waiting() {
        return waiter.size();
    }

    /** Number of owner lock files (for tests). */
    int ownerFiles() {
        return owners.size();
    }

    /** Ends the file's waits, releases its locks now (pins may keep the fd a moment longer), unpins it. */
    private void drop(OwnerFile file) {
        waiter.endWhere(w -> w.ownerFile == file, -Errno.EBADF);
        FileLocks.setOfd(file.fd, new FileLocks.Range().set(FileLocks.F_UNLCK, 0, 0), false);
        file.unpin();
        waiter.nudge();
    }

    private OwnerFile pinned(OwnerKey key) {
        if (owners.isEmpty()) {
            return null;
        }
        OwnerFile file = owners.get(key);
        return file != null && file.pin() ? file : null;
    }

    /** The owner's lock file, pinned, made on first use by reopening {@code handle}. */
    private int ownerFile(OwnerKey key, Handle handle, int accessMode, OwnerFile[] out) {
        while (true) {
            OwnerFile file = owners.get(key);
            if (file != null) {
                if (file.pin()) {
                    file.handleIds.add(handle.id);
                    out[0] = file;
                    return 0;
                }
                owners.remove(key, file);
                continue;
            }
            if (owners.size() >= MAX_OWNER_FILES) {
                return -FileLocks.ENOLCK;
            }
            int fd = procSelfFd.reopen(handle.fd, accessMode);
            if (fd < 0) {
                return fd;
            }
            OwnerFile created = new OwnerFile(key, fd, accessMode);
            created.pin(); // one pin for the table, one for the caller
            if (owners.putIfAbsent(key, created) != null) {
                created.unpin();
                created.unpin();
                continue;
            }
            created.handleIds.add(handle.id);
            out[0] = created;
            return 0;
        }
    }

    /** The fcntl(2) form of a FUSE lock range, or null if the range is invalid. */
    private static FileLocks.Range range(LockSpec lock) {
        if (lock.start < 0 || lock.end < lock.start) {
            return null;
        }
        long length = lock.end == LockSpec.TO_END ? 0 : lock.end - lock.start + 1;
        return new FileLocks.Range().set(lock.type, lock.start, length);
    }
}
