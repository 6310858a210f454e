package dev.jvirtiofsd.vhostuser;

import dev.jvirtiofsd.vhostuser.sys.NativeMemory;
import java.nio.ByteBuffer;

/**
 * One request popped from a split virtqueue: its head index and the guest buffers it names,
 * already translated to addresses in this process and bounds-checked against guest memory.
 *
 * <p>The device-readable segments come first in the chain and the device-writable ones after
 * (the virtio rule; a chain that breaks it is rejected when popped). A descriptor that crosses
 * a memory-region boundary appears as several segments. Addresses are valid only until the
 * chain is returned to the used ring.
 *
 * <p>Instances are owned by the queue and reused after the chain is completed: a device must not
 * keep a reference past {@link VirtioDevice#process}, unless it {@link #defer defers} the chain.
 */
public final class DescriptorChain {
    /**
     * Most segments one chain may have. A Linux virtio-fs request needs at most about 260 (256
     * pages plus headers); the cap bounds what a hostile guest can make the backend allocate.
     */
    public static final int MAX_SEGMENTS = 1024;
    /** Longest segment; longer descriptors are split (a descriptor may be up to 4 GiB). */
    static final int MAX_SEGMENT_LENGTH = 1 << 30;
    private static final int INITIAL_SEGMENTS = 16;

    private int head;
    private long[] addresses = new long[INITIAL_SEGMENTS];
    private int[] lengths = new int[INITIAL_SEGMENTS];
    private int readable;
    private int writable;
    private long readableBytes;
    private long writableBytes;
    /** The queue worker serving the chain, or null outside a queue (tests). */
    QueueWorker worker;
    /** Set when the device keeps the chain past process(); cleared when the chain is reused. */
    DeferredCompletion deferred;
    /** What the worker hands the thread pool for this chain; made once, reused with the chain. */
    Runnable poolTask;

    /** An empty chain, filled by the queue that pops into it. */
    public DescriptorChain() {
    }

    /** Empties the chain and gives it a new head. */
    void reset(int headIndex) {
        head = headIndex;
        deferred = null;
        readable = 0;
        writable = 0;
        readableBytes = 0;
        writableBytes = 0;
    }

    /**
     * Appends a segment. Writable segments must come after every readable one (the queue checks
     * this). Returns false when the chain already holds {@link #MAX_SEGMENTS}.
     */
    boolean add(long address, int length, boolean deviceWritable) {
        int count = readable + writable;
        if (count == MAX_SEGMENTS) {
            return false;
        }
        if (count == addresses.length) {
            int grown = Math.min(MAX_SEGMENTS, count * 2);
            addresses = java.util.Arrays.copyOf(addresses, grown);
            lengths = java.util.Arrays.copyOf(lengths, grown);
        }
        addresses[count] = address;
        lengths[count] = length;
        if (deviceWritable) {
            writable++;
            writableBytes += length;
        } else {
            readable++;
            readableBytes += length;
        }
        return true;
    }

    /**
     * Keeps this chain past {@link VirtioDevice#process}: the device then returns
     * {@link VirtioDevice#DEFERRED}, and answers later through the returned completion. Only
     * during {@code process}, once per chain.
     *
     * @throws IllegalStateException for a chain not being processed by a queue, or deferred already
     */
    public DeferredCompletion defer() {
        if (worker == null) {
            throw new IllegalStateException("the chain is not being processed by a queue");
        }
        if (deferred != null) {
            throw new IllegalStateException("the chain is deferred already");
        }
        deferred = new DeferredCompletion(worker, this);
        return deferred;
    }

    /** Head descriptor index, as placed in the used ring. */
    public int headIndex() {
        return head;
    }

    /** Number of device-readable segments. */
    public int readableSegments() {
        return readable;
    }

    /** Address (in this process) of readable segment {@code i}. */
    public long readableAddress(int i) {
        return addresses[checkReadable(i)];
    }

    /** Length of readable segment {@code i}. */
    public int readableLength(int i) {
        return lengths[checkReadable(i)];
    }

    /** Total bytes in the readable part. */
    public long readableBytes() {
        return readableBytes;
    }

    /** Number of device-writable segments. */
    public int writableSegments() {
        return writable;
    }

    public long writableAddress(int i) {
        return addresses[checkWritable(i)];
    }

    public int writableLength(int i) {
        return lengths[checkWritable(i)];
    }

    /** Total bytes in the writable part. */
    public long writableBytes() {
        return writableBytes;
    }

    /**
     * Copies readable bytes starting at {@code offset} (counted from the start of the readable
     * part) into {@code dst} from its position, up to its remaining space, and advances its
     * position. Returns the number of bytes copied (less than requested at the end of the part).
     */
    public int read(long offset, ByteBuffer dst) {
        int copied = 0;
        long skip = Math.max(0, offset);
        for (int i = 0; i < readable && dst.hasRemaining(); i++) {
            int length = lengths[i];
            if (skip >= length) {
                skip -= length;
                continue;
            }
            int n = (int) Math.min(length - skip, dst.remaining());
            NativeMemory.copyToBuffer(addresses[i] + skip, dst, n);
            copied += n;
            skip = 0;
        }
        return copied;
    }

    /**
     * Copies {@code src}'s remaining bytes into the writable part at {@code offset} and advances
     * its position. Returns the number of bytes copied (less than remaining when the writable
     * part is too short).
     */
    public int write(long offset, ByteBuffer src) {
        int copied = 0;
        long skip = Math.max(0, offset);
        int end = readable + writable;
        for (int i = readable; i < end && src.hasRemaining(); i++) {
            int length = lengths[i];
            if (skip >= length) {
                skip -= length;
                continue;
            }
            int n = (int) Math.min(length - skip, src.remaining());
            NativeMemory.copyFromBuffer(src, addresses[i] + skip, n);
            copied += n;
            skip = 0;
        }
        return copied;
    }

    /**
     * Fills {@code dst} with {@code struct iovec}s covering at most {@code maxBytes} of the
     * readable part starting at {@code offset}, for pwritev straight from guest memory.
     * Returns the number of iovecs written; their total length is {@link IoVecArray#totalBytes()}.
     */
    public int readableIovecs(long offset, long maxBytes, IoVecArray dst) {
        return fillIovecs(0, readable, offset, maxBytes, dst);
    }

    /** As {@link #readableIovecs}, over the writable part (for preadv straight into guest memory). */
    public int writableIovecs(long offset, long maxBytes, IoVecArray dst) {
        return fillIovecs(readable, readable + writable, offset, maxBytes, dst);
    }

    private int fillIovecs(int from, int to, long offset, long maxBytes, IoVecArray dst) {
        dst.clear();
        long skip = Math.max(0, offset);
        long left = maxBytes;
        for (int i = from; i < to && left > 0 && dst.count() < dst.capacity(); i++) {
            int length = lengths[i];
            if (skip >= length) {
                skip -= length;
                continue;
            }
            long n = Math.min(length - skip, left);
            dst.add(addresses[i] + skip, n);
            left -= n;
            skip = 0;
        }
        return dst.count();
    }

    private int checkReadable(int i) {
        if (i < 0 || i >= readable) {
            throw new IndexOutOfBoundsException("readable segment " + i + " of " + readable);
        }
        return i;
    }

    private int checkWritable(int i) {
        if (i < 0 || i >= writable) {
            throw new IndexOutOfBoundsException("writable segment " + i + " of " + writable);
        }
        return readable + i;
    }
}
