package dev.jvirtiofsd.daemon.fs;

import dev.jvirtiofsd.daemon.sys.Errno;
import dev.jvirtiofsd.daemon.sys.FileLocks;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits for the locks of pending SETLKW requests on one thread of its own, so that no queue
 * thread ever blocks: each round tries every waiting lock without blocking (F_OFD_SETLK, or
 * flock with LOCK_NB) and ends the waits that got their lock or failed otherwise.
 *
 * <p>A round runs soon after a lock is released through this daemon ({@link #nudge}) and
 * otherwise after a pause that grows from {@value #MIN_PAUSE_MILLIS} to
 * {@value #MAX_PAUSE_MILLIS} ms, which bounds how late a release by another guest or a host
 * process is noticed. Polling rather than a thread blocked in F_OFD_SETLKW per request keeps
 * every wait cancellable at once (a blocked fcntl can only be ended by a signal) and never takes
 * a lock for a request that has already been answered.
 *
 * <p>At most {@value #MAX_WAITS} requests wait at a time; more get ENOLCK.
 */
final class LockWaiter {
    private static final Logger LOG = LoggerFactory.getLogger(LockWaiter.class);
    static final int MAX_WAITS = 1024;
    static final long MIN_PAUSE_MILLIS = 1;
    static final long MAX_PAUSE_MILLIS = 32;

    /** One waiting request: what to try, on which pinned fds. */
    static final class Waiting {
        final LockWait wait;
        final Handle handle;
        /** The owner's lock file for a POSIX lock; null for flock, which locks the handle's own fd. */
        final LockTable.OwnerFile ownerFile;
        final int type;
        final long start;
        final long length;

        /** Takes over one pin of {@code handle} and of {@code ownerFile} (if any). */
        Waiting(LockWait wait, Handle handle, LockTable.OwnerFile ownerFile, int type, long start, long length) {
            this.wait = wait;
            this.handle = handle;
            this.ownerFile = ownerFile;
            this.type = type;
            this.start = start;
            this.length = length;
        }

        /** One try without blocking: 0, -EAGAIN while the lock is taken, or another error. */
        int tryLock() {
            if (ownerFile == null) {
                return FileLocks.flock(handle.fd, type | FileLocks.LOCK_NB);
            }
            return FileLocks.setOfd(ownerFile.fd, new FileLocks.Range().set(type, start, length), false);
        }

        /** Tries once unless the wait ended; true when the wait is over. */
        boolean attempt() {
            synchronized (wait) {
                if (wait.isEnded()) {
                    return true;
                }
                int rc = tryLock();
                if (rc == -Errno.EAGAIN) {
                    return false;
                }
                wait.end(rc);
                return true;
            }
        }

        void release() {
            if (ownerFile != null) {
                ownerFile.unpin();
            }
            handle.unpin();
        }
    }

    private final List<Waiting> waits = new ArrayList<>();
    private Thread thread;
    private boolean nudged;
    private boolean closed;

    /**
     * Makes {@code w} wait. Returns {@link FileSystem#LOCK_PENDING}, or -ENOLCK when too many
     * requests wait already (the caller keeps its pins then).
     */
    synchronized int add(Waiting w) {
        if (closed || waits.size() >= MAX_WAITS) {
            return -FileLocks.ENOLCK;
        }
        if (thread == null) {
            thread = new Thread(this::run, "jvirtiofsd-lock-waiter");
            thread.setDaemon(true);
            thread.start();
        }
        waits.add(w);
        notifyAll();
        return FileSystem.LOCK_PENDING;
    }

    /** A lock was released through this daemon: try the waiting ones soon. */
    synchronized void nudge() {
        if (!waits.isEmpty()) {
            nudged = true;
            notifyAll();
        }
    }

    synchronized int size() {
        return waits.size();
    }

    /** Ends every wait that {@code which} selects with {@code result}. */
    void endWhere(Predicate<Waiting> which, int result) {
        List<Waiting> ending = new ArrayList<>();
        synchronized (this) {
            waits.removeIf(w -> which.test(w) && ending.add(w));
        }
        for (Waiting w : ending) {
            w.wait.end(result);
            w.release();
        }
    }

    /** Ends every wait with {@code result} and stops the thread. */
    void close(int result) {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        endWhere(w -> true, result);
    }

    private void run() {
        long pause = MIN_PAUSE_MILLIS;
        List<Waiting> round = new ArrayList<>();
        try {
            while (true) {
                synchronized (this) {
                    while (!closed && waits.isEmpty()) {
                        wait();
                    }
                    if (closed) {
                        return;
                    }
                    if (!nudged) {
                        wait(pause);
                    }
                    pause = nudged ? MIN_PAUSE_MILLIS : Math.min(pause * 2, MAX_PAUSE_MILLIS);
                    nudged = false;
                    round.addAll(waits);
                }
                for (Waiting w : round) {
                    if (w.attempt()) {
                        boolean mine;
                        synchronized (this) {
                            mine = waits.remove(w);
                        }
                        if (mine) {
                            w.release();
                        }
                    }
                }
                round.clear();
            }
        } catch (InterruptedException e) {
            LOG.debug("lock waiter interrupted");
        } catch (Throwable t) {
            LOG.error("The lock waiter failed; pending lock requests end with EIO", t);
            endWhere(w -> true, -Errno.EIO);
        } finally {
            synchronized (this) {
                thread = null; // the next wait starts a new one
            }
        }
    }
}
