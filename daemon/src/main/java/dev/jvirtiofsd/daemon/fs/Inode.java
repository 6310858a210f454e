package dev.jvirtiofsd.daemon.fs;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.jvirtiofsd.daemon.sys.Syscalls;

/**
 * One host file the guest knows by a node id: an O_PATH fd that pins it, its identity, its
 * file type, and two counts.
 *
 * <p>The lookup count is the guest's: LOOKUP-type replies add one, FORGET subtracts; it is
 * never raised from zero, because zero means the record is already being dropped.
 *
 * <p>The pin count keeps the fd open while a request uses it: the store holds one pin while the
 * inode is registered, each request pins it for its duration, and the fd is closed when the last
 * pin goes. So a FORGET racing with a request can never close an fd number under that request
 * (where a new open could reuse it).
 */
final class Inode {
    final long id;
    final int fd;
    final InodeKey key;
    /** File type bits (S_IFMT part of st_mode); fixed for the life of an inode. */
    final int fileType;

    private final AtomicLong lookupCount;
    private final AtomicInteger pins = new AtomicInteger(1);

    Inode(long id, int fd, InodeKey key, int fileType, long initialLookupCount) {
        this.id = id;
        this.fd = fd;
        this.key = key;
        this.fileType = fileType;
        this.lookupCount = new AtomicLong(initialLookupCount);
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

    /** Takes a pin unless the fd is already closed; returns whether it did. */
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

    /** Drops a pin; the last one closes the fd. */
    void unpin() {
        if (pins.decrementAndGet() == 0) {
            Syscalls.close(fd);
        }
    }
}
