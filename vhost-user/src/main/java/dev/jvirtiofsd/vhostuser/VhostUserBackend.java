package dev.jvirtiofsd.vhostuser;

import java.io.IOException;
import java.util.concurrent.ThreadFactory;

/**
 * The backend (device) side of the vhost-user protocol for one frontend connection: message
 * loop, feature negotiation, guest memory, and one epoll worker thread per started virtqueue
 * that pops chains and hands them to the {@link VirtioDevice}, inline or through a fixed pool.
 */
public final class VhostUserBackend {
    // Implemented in the vhost-user module; contract below.

    /**
     * @param device the device served
     * @param threadPoolSize 0: each queue's worker thread processes its chains inline; N > 0: a
     *     fixed pool of N platform threads processes them
     * @param threadFactory creates the queue worker and pool threads (platform threads; the
     *     daemon uses it for per-thread set-up such as unshare(CLONE_FS))
     */
    public VhostUserBackend(VirtioDevice device, int threadPoolSize, ThreadFactory threadFactory) {
        throw new UnsupportedOperationException("contract only");
    }

    /**
     * Serves one connected socket until the frontend disconnects (returns normally) or breaks
     * the framing (throws). Stops every queue worker and the pool, unmaps guest memory and calls
     * {@link VirtioDevice#reset()} before returning. Closes {@code connectedFd}.
     */
    public void serve(int connectedFd) throws IOException {
        throw new UnsupportedOperationException("contract only");
    }
}
