package dev.jvirtiofsd.vhostuser;

import dev.jvirtiofsd.vhostuser.memory.GuestMemory;
import dev.jvirtiofsd.vhostuser.memory.MemoryMap;
import dev.jvirtiofsd.vhostuser.sys.ErrnoException;
import dev.jvirtiofsd.vhostuser.sys.EventFd;
import dev.jvirtiofsd.vhostuser.sys.Fds;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The vhost-user state of one virtqueue: what the SET_VRING_* messages configured, whether the
 * ring is enabled, and, while started, its {@link SplitQueue} and {@link QueueWorker}.
 *
 * <p>Configuration methods are called by the connection's control thread. The call fd is read by
 * whichever thread completes a chain, so it is replaced and used under {@link #completionLock}.
 */
final class Vring {
    private static final Logger LOG = LoggerFactory.getLogger(Vring.class);
    /** The largest split queue the virtio specification allows. */
    static final int MAX_SIZE = 32768;

    /** Most completions {@link #completeInBatch} leaves unsignalled: bounds a reply's wait for its signal. */
    static final int MAX_UNSIGNALLED = 16;

    private final int index;
    private final Object completionLock = new Object();
    /** Completions pushed since the last signal decision; guarded by {@link #completionLock}. */
    private int unsignalled;

    private int size;
    private long descriptorsUser;
    private long availableUser;
    private long usedUser;
    private boolean addressesSet;
    private int base;
    private int kickFd = -1;
    private int errFd = -1;
    private int callFd = -1;
    private volatile boolean enabled;
    private volatile boolean broken;
    private SplitQueue queue;
    private QueueWorker worker;

    // Each kind of guest misbehaviour is logged once per queue.
    private volatile boolean badChainLogged;
    private volatile boolean deviceFailureLogged;
    private volatile boolean badLengthLogged;
    private volatile boolean callFailureLogged;
    private volatile boolean unansweredCancelLogged;

    Vring(int index) {
        this.index = index;
    }

    int index() {
        return index;
    }

    boolean isStarted() {
        return worker != null;
    }

    boolean isEnabled() {
        return enabled;
    }

    boolean isBroken() {
        return broken;
    }

    int size() {
        return size;
    }

    void setSize(int size) {
        this.size = size;
    }

    void setAddresses(long descriptors, long available, long used) {
        this.descriptorsUser = descriptors;
        this.availableUser = available;
        this.usedUser = used;
        this.addressesSet = true;
    }

    void clearAddresses() {
        addressesSet = false;
    }

    boolean hasAddresses() {
        return addressesSet;
    }

    /** The next available index: set by SET_VRING_BASE, reported by GET_VRING_BASE. */
    int base() {
        return base;
    }

    void setBase(int base) {
        this.base = base;
    }

    /**
     * Why the ring parts at the configured addresses do not fit in {@code memory} for the
     * configured size, or null when they do.
     */
    String checkAddresses(GuestMemory memory) {
        if (translate(memory, descriptorsUser, SplitQueue.descriptorTableBytes(size)) == GuestMemory.NOT_MAPPED) {
            return String.format("descriptor table at 0x%x is outside guest memory%s", descriptorsUser, hint(memory));
        }
        if (translate(memory, availableUser, SplitQueue.availableRingBytes(size)) == GuestMemory.NOT_MAPPED) {
            return String.format("available ring at 0x%x is outside guest memory%s", availableUser, hint(memory));
        }
        if (translate(memory, usedUser, SplitQueue.usedRingBytes(size)) == GuestMemory.NOT_MAPPED) {
            return String.format("used ring at 0x%x is outside guest memory%s", usedUser, hint(memory));
        }
        return null;
    }

    /**
     * QEMU hands over only guest RAM that has an fd: without a shared memory backend the rings
     * lie in memory it never sent. The most common cause by far, so say it.
     */
    private static String hint(GuestMemory memory) {
        return " (the frontend shared " + memory.regionCount() + " memory region(s); " + SharedMemory.HINT + ")";
    }

    private static long translate(GuestMemory memory, long userAddress, long length) {
        return memory.translateUser(userAddress, length);
    }

    /** Takes ownership of {@code fd} (-1: none) as the kick eventfd, closing the previous one. */
    void setKickFd(int fd) {
        Fds.closeQuietly(kickFd);
        kickFd = fd;
    }

    int kickFd() {
        return kickFd;
    }

    /** Takes ownership of {@code fd} (-1: none) as the call eventfd, closing the previous one. */
    void setCallFd(int fd) {
        int previous;
        synchronized (completionLock) {
            previous = callFd;
            callFd = fd;
        }
        Fds.closeQuietly(previous);
    }

    /** Takes ownership of {@code fd} (-1: none) as the error eventfd, closing the previous one. */
    void setErrFd(int fd) {
        Fds.closeQuietly(errFd);
        errFd = fd;
    }

    /** Enables or disables the ring; a started ring looks for work when enabled. */
    void setEnabled(boolean enable) {
        enabled = enable;
        if (enable && worker != null) {
            worker.wake();
        }
    }

    /**
     * Starts serving the ring on its kick fd: translates the ring addresses through the current
     * guest memory and starts a worker thread. Throws when the ring is not fully configured or
     * does not fit in guest memory.
     */
    void start(MemoryMap memory, boolean eventIdx, VirtioDevice device, ExecutorService pool, ThreadFactory threadFactory)
            throws RingException {
        if (worker != null) {
            throw new IllegalStateException("queue " + index + " is already started");
        }
        if (size == 0) {
            throw new RingException("queue " + index + " has no size (SET_VRING_NUM)");
        }
        if (!addressesSet) {
            throw new RingException("queue " + index + " has no addresses (SET_VRING_ADDR)");
        }
        if (kickFd < 0) {
            throw new RingException("queue " + index + " has no kick fd");
        }
        GuestMemory guest = memory.current();
        String problem = checkAddresses(guest);
        if (problem != null) {
            throw new RingException("queue " + index + ": " + problem);
        }
        SplitQueue started = new SplitQueue(memory, size, translate(guest, descriptorsUser, 0),
                translate(guest, availableUser, 0), translate(guest, usedUser, 0), base, eventIdx);
        try {
            QueueWorker newWorker = new QueueWorker(this, started, kickFd, device, pool, threadFactory);
            broken = false;
            queue = started;
            worker = newWorker;
            newWorker.start();
        } catch (ErrnoException | IllegalStateException e) {
            throw new RingException("queue " + index + ": cannot start its worker: " + e.getMessage());
        }
    }

    /**
     * Stops the ring if it runs: the worker finishes every chain it popped, and the next
     * available index is kept as the base. Closes the kick fd.
     */
    void stop() {
        if (worker != null) {
            worker.stop();
            base = queue.nextAvail();
            worker = null;
            queue = null;
        }
        setKickFd(-1);
    }

    /** Stops the ring and forgets its configuration and fds (disconnect, device reset). */
    void reset() {
        stop();
        setCallFd(-1);
        setErrFd(-1);
        size = 0;
        addressesSet = false;
        base = 0;
        enabled = false;
        broken = false;
    }

    /** Returns a chain through the used ring and signals the call fd when the driver wants it. */
    void complete(SplitQueue ring, int head, int length) {
        synchronized (completionLock) {
            ring.push(head, length);
            signalIfWanted(ring);
        }
    }

    /**
     * Returns a chain through the used ring (the guest can see it at once) but leaves the call
     * signal to {@link #signalBatch}, which the worker calls when it has drained the ring, or
     * here after {@link #MAX_UNSIGNALLED} completions, so that the first replies of a long batch
     * are not kept waiting. One eventfd write (and one fence) then answers many requests; with
     * EVENT_IDX the decision covers every index published since the last one, as it must.
     */
    void completeInBatch(SplitQueue ring, int head, int length) {
        synchronized (completionLock) {
            ring.push(head, length);
            if (++unsignalled >= MAX_UNSIGNALLED) {
                signalIfWanted(ring);
            }
        }
    }

    /** Signals the driver, if it wants it, for the completions {@link #completeInBatch} left. */
    void signalBatch(SplitQueue ring) {
        synchronized (completionLock) {
            if (unsignalled > 0) {
                signalIfWanted(ring);
            }
        }
    }

    private void signalIfWanted(SplitQueue ring) {
        unsignalled = 0;
        if (ring.needsNotification() && callFd >= 0) {
            int result = EventFd.signal(callFd);
            if (result < 0 && !callFailureLogged) {
                callFailureLogged = true;
                LOG.warn("Queue {}: cannot signal the call fd (errno {})", index, -result);
            }
        }
    }

    /** Stops serving the ring after the guest corrupted it; logged once. */
    void markBroken(String why) {
        if (!broken) {
            broken = true;
            LOG.error("Queue {} is broken and no longer served: {}", index, why);
        }
    }

    void warnBadChain(int head, String why) {
        if (!badChainLogged) {
            badChainLogged = true;
            LOG.warn("Queue {}: malformed descriptor chain at head {} returned unprocessed: {} "
                    + "(further ones on this queue are not logged)", index, head, why);
        }
    }

    void warnDeviceFailure(Throwable t) {
        if (!deviceFailureLogged) {
            deviceFailureLogged = true;
            LOG.error("Queue {}: the device failed on a request (further failures are not logged)", index, t);
        }
    }

    void warnUnansweredCancel() {
        if (!unansweredCancelLogged) {
            unansweredCancelLogged = true;
            LOG.warn("Queue {}: a deferred request was not answered when the queue stopped; returned with no reply "
                    + "(further ones are not logged)", index);
        }
    }

    void warnBadLength(int length, long writable) {
        if (!badLengthLogged) {
            badLengthLogged = true;
            LOG.error("Queue {}: the device reported {} bytes written into a writable part of {} bytes", index, length,
                    writable);
        }
    }

    /** A ring that cannot be started. */
    static final class RingException extends Exception {
        private static final long serialVersionUID = 1L;

        RingException(String message) {
            super(message);
        }
    }
}
