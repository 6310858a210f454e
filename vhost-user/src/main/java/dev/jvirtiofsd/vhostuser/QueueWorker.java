package dev.jvirtiofsd.vhostuser;

import dev.jvirtiofsd.vhostuser.sys.Epoll;
import dev.jvirtiofsd.vhostuser.sys.Errno;
import dev.jvirtiofsd.vhostuser.sys.ErrnoException;
import dev.jvirtiofsd.vhostuser.sys.EventFd;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread that serves one started queue: waits in epoll on the queue's kick eventfd and its
 * own wake-up eventfd, and on each kick pops every available chain, has the device process it
 * (inline, or on the shared pool) and returns it through the used ring.
 *
 * <p>Chains the device defers ({@link DescriptorChain#defer()}) are returned later by whichever
 * thread completes them; {@link #stop} cancels those still pending, so a stopped queue has every
 * chain it popped in the used ring.
 */
final class QueueWorker implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(QueueWorker.class);
    private static final long KICK = 1;
    private static final long WAKE = 2;

    private final Vring vring;
    private final SplitQueue queue;
    private final int kickFd;
    private final VirtioDevice device;
    private final ExecutorService pool;
    private final ChainPool chains;
    private final EventFd wake;
    private final Epoll epoll;
    private final long[] scratch = new long[1];
    private final Thread thread;
    private volatile boolean stopRequested;
    /** Whether a chain was ever available on this queue since it started. */
    private boolean sawChain;
    /** Kicks counted since the queue started (the eventfd adds up the frontend's signals). */
    private long kicks;
    private boolean emptyKickLogged;

    /** Deferred chains not completed yet; guarded by itself, as is {@link #cancelling}. */
    private final Set<DeferredCompletion> deferred = new HashSet<>();
    /** Once set, a newly deferred chain is cancelled as soon as the device returns it. */
    private boolean cancelling;

    /**
     * @param pool the thread pool that processes chains, or null to process them on this worker
     */
    QueueWorker(Vring vring, SplitQueue queue, int kickFd, VirtioDevice device, ExecutorService pool,
            ThreadFactory threadFactory) throws ErrnoException {
        this.vring = vring;
        this.queue = queue;
        this.kickFd = kickFd;
        this.device = device;
        this.pool = pool;
        this.chains = new ChainPool(queue.size());
        this.wake = EventFd.create();
        Epoll created = null;
        try {
            created = new Epoll(2);
            created.addInput(kickFd, KICK);
            created.addInput(wake.fd(), WAKE);
        } catch (ErrnoException e) {
            if (created != null) {
                created.close();
            }
            wake.close();
            throw e;
        }
        this.epoll = created;
        try {
            this.thread = PlatformThreads.require(threadFactory.newThread(this));
        } catch (RuntimeException e) {
            created.close();
            wake.close();
            throw new IllegalStateException("cannot create the worker thread: " + e.getMessage(), e);
        }
    }

    void start() {
        // A first pass picks up chains that became available before the kick fd was watched.
        wake.signal();
        thread.start();
    }

    /** Makes the worker look at the ring again (e.g. after the ring was enabled). */
    void wake() {
        wake.signal();
    }

    /**
     * Stops the worker: it finishes the chain in hand, then every chain still being processed on
     * the pool is completed, before this returns. Called by the control thread.
     */
    void stop() {
        stopRequested = true;
        wake.signal();
        // Cancelled chains go back to the pool, which also frees a worker waiting in take().
        cancelDeferred();
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        chains.awaitAllReturned();
        epoll.close();
        wake.close();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void run() {
        try {
            while (!stopRequested) {
                int ready = epoll.await(-1);
                if (ready < 0) {
                    vring.markBroken("epoll_wait failed: " + Errno.describe(-ready));
                    return;
                }
                boolean kicked = false;
                for (int i = 0; i < ready; i++) {
                    if (epoll.data(i) == KICK) {
                        drainKick();
                        kicked = true;
                    } else {
                        wake.drain();
                    }
                }
                if (!stopRequested && vring.isEnabled() && !vring.isBroken()) {
                    processAvailable();
                    if (kicked && !sawChain && kicks >= 2) {
                        warnEmptyKicks();
                    }
                }
            }
        } catch (Throwable t) {
            LOG.error("Worker of queue {} failed", vring.index(), t);
            vring.markBroken("worker failed: " + t);
        }
    }

    /**
     * A driver kicks after it made a chain available. QEMU kicks each queue once as it starts it;
     * a second kick that still finds the ring empty means the guest's writes do not reach the
     * memory this daemon maps: a private mapping in the VMM.
     */
    private void warnEmptyKicks() {
        if (!emptyKickLogged) {
            emptyKickLogged = true;
            LOG.error("Queue {} was kicked {} times but its ring holds no request: the guest's memory is not "
                    + "shared with this daemon; {}", vring.index(), kicks, SharedMemory.HINT);
        }
    }

    private void drainKick() throws ErrnoException {
        int result = EventFd.read(kickFd, scratch);
        if (result >= 0) {
            kicks += scratch[0];
        }
        if (result < 0 && result != -Errno.EAGAIN) {
            // Not a readable eventfd: stop watching it rather than spin on it.
            epoll.remove(kickFd);
            vring.markBroken("kick fd cannot be read: " + Errno.describe(-result));
        }
    }

    /** Serves the ring until it is empty with notifications re-enabled. */
    private void processAvailable() {
        do {
            queue.disableNotifications();
            boolean serving = drainAvailable();
            // One call signal for what this pass completed here (see Vring.completeInBatch).
            vring.signalBatch(queue);
            if (!serving) {
                return;
            }
        } while (queue.enableNotifications());
    }

    /** Pops and dispatches every available chain; false when the worker must stop serving. */
    private boolean drainAvailable() {
        while (!stopRequested && vring.isEnabled()) {
            DescriptorChain chain = chains.take();
            if (stopRequested) {
                chains.give(chain);
                return false;
            }
            int result = queue.pop(chain);
            switch (result) {
                case SplitQueue.EMPTY:
                    chains.give(chain);
                    return true;
                case SplitQueue.BROKEN:
                    chains.give(chain);
                    vring.markBroken(queue.problem());
                    return false;
                case SplitQueue.BAD_CHAIN:
                    sawChain = true;
                    vring.warnBadChain(chain.headIndex(), queue.problem());
                    completeInBatch(chain, 0);
                    break;
                default:
                    sawChain = true;
                    dispatch(chain);
                    break;
            }
        }
        return false;
    }

    private void dispatch(DescriptorChain chain) {
        chain.worker = this;
        if (pool != null) {
            Runnable task = chain.poolTask;
            if (task == null) {
                // Made once per chain object (chains are reused), not once per request.
                task = () -> processOnPool(chain);
                chain.poolTask = task;
            }
            try {
                pool.execute(task);
                return;
            } catch (RejectedExecutionException e) {
                // The pool is shutting down: finish the chain here.
            }
        }
        int length = process(chain);
        if (!deferredByDevice(chain)) {
            completeInBatch(chain, length);
        }
    }

    /** A pool thread's work: the driver is signalled at once, as nothing batches it there. */
    private void processOnPool(DescriptorChain chain) {
        int length = process(chain);
        if (!deferredByDevice(chain)) {
            complete(chain, length);
        }
    }

    /** Whether the device deferred the chain; it then owns the chain, which must not be read again. */
    private boolean deferredByDevice(DescriptorChain chain) {
        DeferredCompletion d = chain.deferred;
        if (d == null) {
            return false;
        }
        deferredByDevice(d);
        return true;
    }

    private int process(DescriptorChain chain) {
        int length;
        try {
            length = device.process(vring.index(), chain);
        } catch (Throwable t) {
            vring.warnDeviceFailure(t);
            if (chain.deferred != null) {
                chain.deferred.complete(0);
            }
            return 0;
        }
        if (chain.deferred != null) {
            return VirtioDevice.DEFERRED;
        }
        if (length < 0 || length > chain.writableBytes()) {
            vring.warnBadLength(length, chain.writableBytes());
            return (int) Math.min(Math.max(length, 0), chain.writableBytes());
        }
        return length;
    }

    int queueIndex() {
        return vring.index();
    }

    /** Cancels every pending deferred chain, and from now on each one deferred later. */
    private void cancelDeferred() {
        List<DeferredCompletion> pending;
        synchronized (deferred) {
            cancelling = true;
            pending = new ArrayList<>(deferred);
        }
        for (DeferredCompletion d : pending) {
            d.cancel();
        }
    }

    /** The device returned a chain it deferred: track it until it completes (or cancel it now). */
    private void deferredByDevice(DeferredCompletion d) {
        boolean cancelNow;
        synchronized (deferred) {
            cancelNow = cancelling;
            if (!cancelNow && !d.isCompleted()) {
                deferred.add(d);
            }
        }
        if (cancelNow) {
            d.cancel();
        }
        d.release();
    }

    /** The used-ring half of {@link DeferredCompletion#complete}. */
    void completeDeferred(DeferredCompletion d, int length) {
        DescriptorChain chain = d.chain();
        long writable = chain.writableBytes();
        if (length < 0 || length > writable) {
            vring.warnBadLength(length, writable);
            length = (int) Math.min(Math.max(length, 0), writable);
        }
        synchronized (deferred) {
            deferred.remove(d);
        }
        vring.complete(queue, chain.headIndex(), length);
    }

    /** A deferred chain is done with: back to the pool. */
    void recycle(DescriptorChain chain) {
        chains.give(chain);
    }

    void warnCancelFailure(Throwable t) {
        vring.warnDeviceFailure(t);
    }

    void warnUnansweredCancel() {
        vring.warnUnansweredCancel();
    }

    /** Returns a chain through the used ring and signals the driver if it asked for it. */
    private void complete(DescriptorChain chain, int length) {
        try {
            vring.complete(queue, chain.headIndex(), length);
        } finally {
            chains.give(chain);
        }
    }

    /**
     * Returns a chain completed on this worker thread through the used ring; the driver is
     * signalled for the batch when the worker has drained the ring ({@link Vring#signalBatch}).
     */
    private void completeInBatch(DescriptorChain chain, int length) {
        try {
            vring.completeInBatch(queue, chain.headIndex(), length);
        } finally {
            chains.give(chain);
        }
    }
}
