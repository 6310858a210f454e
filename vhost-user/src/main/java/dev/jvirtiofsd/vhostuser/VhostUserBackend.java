package dev.jvirtiofsd.vhostuser;

import dev.jvirtiofsd.vhostuser.sys.Fds;
import java.io.IOException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The backend (device) side of the vhost-user protocol for one frontend connection: message
 * loop, feature negotiation, guest memory, and one epoll worker thread per started virtqueue
 * that pops chains and hands them to the {@link VirtioDevice}, inline or through a fixed pool.
 */
public final class VhostUserBackend {
    private final VirtioDevice device;
    private final int threadPoolSize;
    private final ThreadFactory threadFactory;

    /**
     * @param device the device served
     * @param threadPoolSize 0: each queue's worker thread processes its chains inline; N > 0: a
     *     fixed pool of N platform threads processes them
     * @param threadFactory creates the queue worker and pool threads (platform threads; the
     *     daemon uses it for per-thread set-up such as unshare(CLONE_FS))
     */
    public VhostUserBackend(VirtioDevice device, int threadPoolSize, ThreadFactory threadFactory) {
        if (threadPoolSize < 0) {
            throw new IllegalArgumentException("thread pool size " + threadPoolSize);
        }
        if (device.queueCount() < 1 || device.queueCount() > 256) {
            // SET_VRING_KICK/CALL/ERR carry the queue index in 8 bits.
            throw new IllegalArgumentException("queue count " + device.queueCount() + " is not 1 to 256");
        }
        this.device = device;
        this.threadPoolSize = threadPoolSize;
        this.threadFactory = threadFactory;
    }

    /**
     * Serves one connected socket until the frontend disconnects (returns normally) or breaks
     * the framing (throws). Stops every queue worker and the pool, unmaps guest memory and calls
     * {@link VirtioDevice#reset()} before returning. Closes {@code connectedFd}.
     */
    public void serve(int connectedFd) throws IOException {
        ThreadPoolExecutor pool = null;
        if (threadPoolSize > 0) {
            pool = new ThreadPoolExecutor(threadPoolSize, threadPoolSize, 0, TimeUnit.MILLISECONDS,
                    new LinkedBlockingQueue<>(), PlatformThreads.checking(threadFactory));
            try {
                // Creates the threads now, so a factory that cannot make platform threads fails here.
                pool.prestartAllCoreThreads();
            } catch (RuntimeException e) {
                pool.shutdownNow();
                Fds.closeQuietly(connectedFd);
                throw e;
            }
        }
        try {
            new BackendConnection(device, connectedFd, pool, threadFactory).run();
        } finally {
            if (pool != null) {
                // Every queue has stopped and completed its chains, so the pool is idle.
                pool.shutdown();
                awaitTermination(pool);
            }
        }
    }

    private static void awaitTermination(ThreadPoolExecutor pool) {
        boolean interrupted = false;
        while (true) {
            try {
                if (pool.awaitTermination(1, TimeUnit.MINUTES)) {
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
