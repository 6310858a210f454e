package dev.jvirtiofsd.daemon.fs;

import java.util.concurrent.atomic.AtomicInteger;

import dev.jvirtiofsd.daemon.sys.Syscalls;

/**
 * An open file or directory the guest holds by handle id: the fd and the node id it was opened
 * for. Pinned like an {@link Inode}: the table holds one pin until RELEASE, each request one while
 * it runs, and the last pin closes the fd.
 *
 * <p>Calls that use the fd's file position (readdir, lseek) synchronize on the handle.
 */
final class Handle {
    final long id;
    final long nodeId;
    final int fd;

    private final AtomicInteger pins = new AtomicInteger(1);

    Handle(long id, long nodeId, int fd) {
        this.id = id;
        this.nodeId = nodeId;
        this.fd = fd;
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
}
