package dev.jvirtiofsd.daemon.fs;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.jvirtiofsd.daemon.sys.Errno;
import dev.jvirtiofsd.daemon.sys.Fcntl;
import dev.jvirtiofsd.daemon.sys.Syscalls;

/**
 * One host file the guest knows by a node id: either an O_PATH fd that pins it, or a file handle
 * ({@code --inode-file-handles}) that names it without keeping anything open; its identity, its
 * file type, and two counts.
 *
 * <p>The lookup count is the guest's: LOOKUP-type replies add one, FORGET subtracts; it is
 * never raised from zero, because zero means the record is already being dropped.
 *
 * <p>The pin count keeps the fd valid while a request uses it: the store holds one pin while the
 * inode is registered, each request pins it for its duration ({@link #pin()}, {@link #unpin()}).
 * An fd inode closes its fd when the last pin goes, so a FORGET racing with a request can never
 * close an fd number under that request (where a new open could reuse it). A handle inode opens
 * an O_PATH fd by handle when the first request pins it and closes it when the last request
 * unpins it: between requests it holds no fd at all, and concurrent requests share one.
 */
final class Inode {
    final long id;
    final InodeKey key;
    /** File type bits (S_IFMT part of st_mode); fixed for the life of an inode. */
    final int fileType;
    /** The file's handle, or null for an inode held by its fd. */
    final FileHandle handle;
    /** The mount fd {@link #handle} is opened against (null with it); released with the last pin. */
    private final MountFds.MountFd mount;

    private final AtomicLong lookupCount;
    /** The store's pin and the requests': lock-free for fd inodes, guarded by this for handle inodes. */
    private final AtomicInteger pins = new AtomicInteger(1);
    /** fd inodes: the O_PATH fd for life. Handle inodes: the fd while {@link #requests} > 0, else -1. */
    private int fd;
    /** Handle inodes: the pins that requests hold; guarded by this. */
    private int requests;

    /** An inode held by {@code fd} (taken over). */
    Inode(long id, int fd, InodeKey key, int fileType, long initialLookupCount) {
        this.id = id;
        this.fd = fd;
        this.key = key;
        this.fileType = fileType;
        this.handle = null;
        this.mount = null;
        this.lookupCount = new AtomicLong(initialLookupCount);
    }

    /** An inode held by {@code handle}, opened against {@code mount} (one use of it, taken over). */
    Inode(long id, FileHandle handle, MountFds.MountFd mount, InodeKey key, int fileType, long initialLookupCount) {
        this.id = id;
        this.fd = -1;
        this.key = key;
        this.fileType = fileType;
        this.handle = handle;
        this.mount = mount;
        this.lookupCount = new AtomicLong(initialLookupCount);
    }

    /** An O_PATH fd on the file; valid only while the caller holds a pin. */
    int fd() {
        return fd;
    }

    long lookupCount() {
        return lookupCount.get();
    }

    /** Adds one lookup unless the count is already zero; returns whether it did. */
    boolean incrementLookup() {
        while (true) {
            long count = lookupCount.get();
            if (count == 0) {
                return false;
            }
            if (lookupCount.compareAndSet(count, count + 1)) {
                return true;
            }
        }
    }

    /**
     * Subtracts {@code n} (an unsigned 64-bit count from the guest), stopping at zero. Returns
     * true only for the call that brought the count to zero.
     */
    boolean decrementLookup(long n) {
        while (true) {
            long count = lookupCount.get();
            if (count == 0) {
                return false;
            }
            long next = Long.compareUnsigned(n, count) >= 0 ? 0 : count - n;
            if (lookupCount.compareAndSet(count, next)) {
                return next == 0;
            }
        }
    }

    /**
     * Takes a request's pin, so that {@link #fd()} is valid until {@link #unpin()}. Returns 0, or
     * -EBADF when the inode is already gone, or the errno of opening its handle (ESTALE when the
     * file no longer exists).
     */
    int pin() {
        if (handle == null) {
            while (true) {
                int count = pins.get();
                if (count == 0) {
                    return -Errno.EBADF;
                }
                if (pins.compareAndSet(count, count + 1)) {
                    return 0;
                }
            }
        }
        synchronized (this) {
            if (pins.get() == 0) {
                return -Errno.EBADF;
            }
            if (requests == 0) {
                int opened = handle.open(mount.fd, Fcntl.O_PATH | Fcntl.O_CLOEXEC);
                if (opened < 0) {
                    return opened;
                }
                fd = opened;
            }
            requests++;
            pins.incrementAndGet();
            return 0;
        }
    }

    /** Ends a request's pin. */
    void unpin() {
        if (handle == null) {
            release();
            return;
        }
        synchronized (this) {
            if (--requests == 0) {
                Syscalls.close(fd);
                fd = -1;
            }
            release();
        }
    }

    /** Ends the store's pin: the inode is no longer registered. */
    void unregister() {
        if (handle == null) {
            release();
            return;
        }
        synchronized (this) {
            release();
        }
    }

    /** Drops one pin; the last closes the fd of an fd inode, or ends a handle inode's use of its mount fd. */
    private void release() {
        if (pins.decrementAndGet() == 0) {
            if (handle == null) {
                Syscalls.close(fd);
            } else {
                mount.release();
            }
        }
    }
}
