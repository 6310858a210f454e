package dev.jvirtiofsd.vhostuser.frontend;

import java.time.Duration;

/**
 * How {@link VhostUserFrontend#connect} sets the device up. Start from {@link #defaults()} and
 * change what a test needs with the {@code with...} methods.
 *
 * @param queues how many queues to start (0: every queue the backend reports)
 * @param queueSize descriptors per queue (a power of two)
 * @param eventIdx negotiate VIRTIO_RING_F_EVENT_IDX (when offered)
 * @param indirect negotiate VIRTIO_RING_F_INDIRECT_DESC (when offered)
 * @param memoryBytes size of guest memory (a memfd), a multiple of 8 KiB
 * @param memTable describe memory with one SET_MEM_TABLE instead of ADD_MEM_REG per region
 * @param splitRegions describe memory as two adjacent regions (same memfd, two mappings on the
 *     backend side), so buffers can span a region boundary
 * @param initialIndex the ring index both rings start at (SET_VRING_BASE), e.g. near 65535 to
 *     exercise wrap-around
 * @param replyTimeout how long to wait for a reply before giving up
 */
public record FrontendOptions(int queues, int queueSize, boolean eventIdx, boolean indirect, long memoryBytes,
        boolean memTable, boolean splitRegions, int initialIndex, Duration replyTimeout) {

    public static final long DEFAULT_MEMORY_BYTES = 64L << 20;

    public FrontendOptions {
        if (queues < 0) {
            throw new IllegalArgumentException("queues " + queues);
        }
        if (queueSize < 1 || queueSize > 32768 || Integer.bitCount(queueSize) != 1) {
            throw new IllegalArgumentException("queue size " + queueSize + " is not a power of two up to 32768");
        }
        if (memoryBytes < (1 << 20) || memoryBytes % 8192 != 0) {
            throw new IllegalArgumentException("memory size " + memoryBytes + " is not a multiple of 8 KiB, at least 1 MiB");
        }
        if (initialIndex < 0 || initialIndex > 0xffff) {
            throw new IllegalArgumentException("initial index " + initialIndex);
        }
    }

    /** All queues of size 128, EVENT_IDX and indirect on, 64 MiB in one region via ADD_MEM_REG. */
    public static FrontendOptions defaults() {
        return new FrontendOptions(0, 128, true, true, DEFAULT_MEMORY_BYTES, false, false, 0, Duration.ofSeconds(10));
    }

    public FrontendOptions withQueues(int value) {
        return new FrontendOptions(value, queueSize, eventIdx, indirect, memoryBytes, memTable, splitRegions, initialIndex,
                replyTimeout);
    }

    public FrontendOptions withQueueSize(int value) {
        return new FrontendOptions(queues, value, eventIdx, indirect, memoryBytes, memTable, splitRegions, initialIndex,
                replyTimeout);
    }

    public FrontendOptions withEventIdx(boolean value) {
        return new FrontendOptions(queues, queueSize, value, indirect, memoryBytes, memTable, splitRegions, initialIndex,
                replyTimeout);
    }

    public FrontendOptions withIndirect(boolean value) {
        return new FrontendOptions(queues, queueSize, eventIdx, value, memoryBytes, memTable, splitRegions, initialIndex,
                replyTimeout);
    }

    public FrontendOptions withMemoryBytes(long value) {
        return new FrontendOptions(queues, queueSize, eventIdx, indirect, value, memTable, splitRegions, initialIndex,
                replyTimeout);
    }

    public FrontendOptions withMemTable(boolean value) {
        return new FrontendOptions(queues, queueSize, eventIdx, indirect, memoryBytes, value, splitRegions, initialIndex,
                replyTimeout);
    }

    public FrontendOptions withSplitRegions(boolean value) {
        return new FrontendOptions(queues, queueSize, eventIdx, indirect, memoryBytes, memTable, value, initialIndex,
                replyTimeout);
    }

    public FrontendOptions withInitialIndex(int value) {
        return new FrontendOptions(queues, queueSize, eventIdx, indirect, memoryBytes, memTable, splitRegions, value,
                replyTimeout);
    }

    public FrontendOptions withReplyTimeout(Duration value) {
        return new FrontendOptions(queues, queueSize, eventIdx, indirect, memoryBytes, memTable, splitRegions, initialIndex,
                value);
    }
}
