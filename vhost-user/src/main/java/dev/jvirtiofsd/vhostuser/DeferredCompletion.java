package dev.jvirtiofsd.vhostuser;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A chain the device keeps past {@link VirtioDevice#process} (made by {@link DescriptorChain#defer()}),
 * to return it through the used ring later, from any thread, with {@link #complete}.
 *
 * <p>Rules for the device:
 * <ul>
 * <li>Until {@link #complete} it may write the reply into {@link #chain()}; after it, it must not
 *     touch the chain (its buffers belong to the guest again and the object is reused).</li>
 * <li>{@link #complete} takes effect once; later calls return false. It is serialized with every
 *     other completion of the queue.</li>
 * <li>When the queue stops (GET_VRING_BASE, device reset, disconnect) while the chain is pending,
 *     the handler given to {@link #onCancel} runs on the stopping thread. It must write its reply
 *     (e.g. an EINTR error) and call {@link #complete} before it returns: the queue's state is
 *     handed to the frontend only after every popped chain is in the used ring. A chain still
 *     pending after its handler (or without one) is completed with used length 0.</li>
 * </ul>
 */
public final class DeferredCompletion {
    private static final int PENDING = 0;
    private static final int COMPLETED = 1;

    private final QueueWorker worker;
    private final DescriptorChain chain;
    private final AtomicInteger state = new AtomicInteger(PENDING);
    /** Two holders: the processing call and the completion; the last to let go recycles the chain. */
    private final AtomicInteger holders = new AtomicInteger(2);
    private volatile Runnable cancelHandler;

    DeferredCompletion(QueueWorker worker, DescriptorChain chain) {
        this.worker = worker;
        this.chain = chain;
    }

    /** Index of the queue the chain came from. */
    public int queueIndex() {
        return worker.queueIndex();
    }

    /** The chain, to write the reply into; valid until {@link #complete}. */
    public DescriptorChain chain() {
        return chain;
    }

    /**
     * What to do if the queue stops while the chain is pending: answer and {@link #complete}.
     * Set it before {@link VirtioDevice#process} returns.
     */
    public void onCancel(Runnable handler) {
        this.cancelHandler = handler;
    }

    public boolean isCompleted() {
        return state.get() == COMPLETED;
    }

    /**
     * Puts the chain into the used ring with {@code usedLength} bytes written (clamped to the
     * writable part) and signals the driver if it asked for it. Returns false when the chain was
     * completed already.
     */
    public boolean complete(int usedLength) {
        if (!state.compareAndSet(PENDING, COMPLETED)) {
            return false;
        }
        worker.completeDeferred(this, usedLength);
        release();
        return true;
    }

    /** Runs the cancel handler if the chain is still pending, then completes it in any case. */
    void cancel() {
        Runnable handler = cancelHandler;
        if (handler != null && !isCompleted()) {
            try {
                handler.run();
            } catch (Throwable t) {
                worker.warnCancelFailure(t);
            }
        }
        if (complete(0)) {
            worker.warnUnansweredCancel();
        }
    }

    /** One holder lets go; the last one gives the chain back to the queue's pool. */
    void release() {
        if (holders.decrementAndGet() == 0) {
            worker.recycle(chain);
        }
    }
}
