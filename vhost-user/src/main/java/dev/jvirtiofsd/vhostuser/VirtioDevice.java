package dev.jvirtiofsd.vhostuser;

/**
 * The device a vhost-user backend serves. The vhost-user layer owns the protocol, guest memory
 * and the rings; a device only turns one descriptor chain (a request) into a reply.
 *
 * <p>Threading: {@link #process} is called from queue worker threads (one per virtqueue) or
 * from the backend's fixed thread pool, concurrently for different chains, also for the same
 * queue when a pool is used.
 */
public interface VirtioDevice {

    /** Number of virtqueues, as reported by GET_QUEUE_NUM (virtio-fs: 1 hiprio + request queues). */
    int queueCount();

    /** Largest queue size accepted by SET_VRING_NUM (a power of two, at most 32768). */
    default int maxQueueSize() {
        return 32768;
    }

    /**
     * Device-specific virtio feature bits offered in addition to the transport ones the backend
     * always offers (VERSION_1, RING_INDIRECT_DESC, RING_EVENT_IDX, PROTOCOL_FEATURES).
     */
    default long deviceFeatures() {
        return 0;
    }

    /**
     * Device config space returned by GET_CONFIG, or {@code null} to not offer the CONFIG
     * protocol feature at all (QEMU 7.1 to 8.0 crash when a vhost-user-fs backend offers it).
     */
    default byte[] config() {
        return null;
    }

    /** What {@link #process} returns for a chain it {@link DescriptorChain#defer() deferred}. */
    int DEFERRED = -1;

    /**
     * Handles one request. Reads the request from the chain's device-readable part and writes
     * the reply into its device-writable part. Must not throw: a malformed request is answered
     * with an error reply where possible.
     *
     * <p>A request that cannot be answered now (e.g. a lock that must be waited for) is deferred:
     * the device calls {@link DescriptorChain#defer()}, returns {@link #DEFERRED}, and completes
     * the chain later through the {@link DeferredCompletion}; the queue meanwhile serves other
     * chains, and keeps the deferred one out of its pool until then.
     *
     * @return the number of bytes written into the writable part (the used length); 0 when no
     *     reply is written (e.g. FUSE FORGET); {@link #DEFERRED} after deferring the chain
     */
    int process(int queueIndex, DescriptorChain chain);

    /**
     * Called when the frontend resets the device (RESET_OWNER, RESET_DEVICE) or disconnects,
     * after every queue has stopped. The device forgets per-guest state.
     */
    default void reset() {
    }
}
