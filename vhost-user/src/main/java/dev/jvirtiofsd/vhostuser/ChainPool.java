package dev.jvirtiofsd.vhostuser;

/**
 * The reusable {@link DescriptorChain} objects of one queue. Holds at most as many chains as the
 * queue has descriptors; when all are in flight (thread-pool mode), {@link #take} waits for a
 * completion, which also bounds the work a guest can queue up.
 */
final class ChainPool {
    private final DescriptorChain[] free;
    private int freeCount;
    private int created;

    ChainPool(int capacity) {
        this.free = new DescriptorChain[capacity];
    }

    /** A chain to pop into; waits while every chain is in flight. */
    synchronized DescriptorChain take() {
        boolean interrupted = false;
        while (freeCount == 0 && created == free.length) {
            try {
                wait();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (freeCount > 0) {
            DescriptorChain chain = free[--freeCount];
            free[freeCount] = null;
            return chain;
        }
        created++;
        return new DescriptorChain();
    }

    synchronized void give(DescriptorChain chain) {
        free[freeCount++] = chain;
        notifyAll();
    }

    /** Number of chains taken and not given back. */
    synchronized int inFlight() {
        return created - freeCount;
    }

    /** Waits until every chain taken has been given back. */
    synchronized void awaitAllReturned() {
        boolean interrupted = false;
        while (freeCount != created) {
            try {
                wait();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
