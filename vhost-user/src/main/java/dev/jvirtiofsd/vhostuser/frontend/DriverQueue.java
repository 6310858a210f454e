package dev.jvirtiofsd.vhostuser.frontend;

import dev.jvirtiofsd.vhostuser.sys.ErrnoException;
import dev.jvirtiofsd.vhostuser.sys.EventFd;
import dev.jvirtiofsd.vhostuser.sys.Fds;
import dev.jvirtiofsd.vhostuser.sys.NativeMemory;
import java.io.UncheckedIOException;
import java.time.Duration;

/**
 * The driver (guest) side of one split virtqueue in the frontend's guest memory: builds
 * descriptor chains, publishes them in the available ring, kicks, and collects used elements,
 * waiting on the call eventfd.
 *
 * <p>Besides the well-behaved operations it has raw ones for hostile tests: write any descriptor,
 * put any head in the available ring, set the available index to anything.
 *
 * <p>Not thread-safe: one thread drives a queue.
 */
public final class DriverQueue {
    public static final int DESC_F_NEXT = 1;
    public static final int DESC_F_WRITE = 2;
    public static final int DESC_F_INDIRECT = 4;
    public static final int AVAIL_F_NO_INTERRUPT = 1;
    public static final int USED_F_NO_NOTIFY = 1;
    static final int DESCRIPTOR_SIZE = 16;

    private final VhostUserFrontend frontend;
    private final int index;
    private final int size;
    private final boolean eventIdx;
    private final long descriptorsGpa;
    private final long availableGpa;
    private final long usedGpa;
    private final long descriptors;
    private final long available;
    private final long used;
    private final int kickFd;
    private final int callFd;
    private final long[] scratch = new long[1];
    private final int[] freeStack;
    private int freeCount;
    /** Descriptors each chain submitted here occupies, by head (0: not ours). */
    private final int[] chainLength;
    private int availIdx;
    private int lastUsedIdx;
    private int lastKickedAvail;
    private boolean autoUsedEvent = true;

    DriverQueue(VhostUserFrontend frontend, int index, int size, boolean eventIdx, long descriptorsGpa, long availableGpa,
            long usedGpa, int initialIndex) throws ErrnoException {
        this.frontend = frontend;
        this.index = index;
        this.size = size;
        this.eventIdx = eventIdx;
        this.descriptorsGpa = descriptorsGpa;
        this.availableGpa = availableGpa;
        this.usedGpa = usedGpa;
        this.descriptors = frontend.localAddress(descriptorsGpa, (long) DESCRIPTOR_SIZE * size);
        this.available = frontend.localAddress(availableGpa, 6 + 2L * size);
        this.used = frontend.localAddress(usedGpa, 6 + 8L * size);
        this.freeStack = new int[size];
        for (int i = 0; i < size; i++) {
            freeStack[i] = size - 1 - i;
        }
        this.freeCount = size;
        this.chainLength = new int[size];
        this.availIdx = initialIndex;
        this.lastUsedIdx = initialIndex;
        this.lastKickedAvail = initialIndex;
        NativeMemory.putShort(available, 0);
        NativeMemory.putShort(available + 2, initialIndex);
        NativeMemory.putShort(usedEventAddress(), initialIndex);
        NativeMemory.putShort(used, 0);
        NativeMemory.putShort(used + 2, initialIndex);
        NativeMemory.putShort(availEventAddress(), initialIndex);
        int kick = -1;
        try {
            kick = EventFd.newFd();
            this.kickFd = kick;
            this.callFd = EventFd.newFd();
        } catch (ErrnoException e) {
            Fds.closeQuietly(kick);
            throw e;
        }
    }

    public int index() {
        return index;
    }

    public int size() {
        return size;
    }

    public long descriptorTableAddress() {
        return descriptorsGpa;
    }

    public long availableRingAddress() {
        return availableGpa;
    }

    public long usedRingAddress() {
        return usedGpa;
    }

    int kickFd() {
        return kickFd;
    }

    int callFd() {
        return callFd;
    }

    /** Free descriptors left for {@link #submit}. */
    public int freeDescriptors() {
        return freeCount;
    }

    /**
     * Builds a chain of plain descriptors: the device-readable buffers ({@code out}) first, then
     * the device-writable ones ({@code in}); publishes it in the available ring (no kick). Returns
     * the head index.
     */
    public int submit(long[] outAddr, int[] outLen, long[] inAddr, int[] inLen) {
        int count = outAddr.length + inAddr.length;
        if (count == 0 || count > freeCount) {
            throw new IllegalStateException(count + " descriptors wanted, " + freeCount + " free");
        }
        int[] taken = new int[count];
        for (int i = 0; i < count; i++) {
            taken[i] = freeStack[--freeCount];
        }
        for (int i = 0; i < count; i++) {
            boolean writable = i >= outAddr.length;
            long address = writable ? inAddr[i - outAddr.length] : outAddr[i];
            int length = writable ? inLen[i - outAddr.length] : outLen[i];
            boolean last = i == count - 1;
            int flags = (writable ? DESC_F_WRITE : 0) | (last ? 0 : DESC_F_NEXT);
            writeDescriptor(taken[i], address, length, flags, last ? 0 : taken[i + 1]);
        }
        chainLength[taken[0]] = count;
        putAvail(taken[0]);
        return taken[0];
    }

    /**
     * As {@link #submit}, but the buffers go into an indirect table allocated in guest memory,
     * named by one descriptor of the ring.
     */
    public int submitIndirect(long[] outAddr, int[] outLen, long[] inAddr, int[] inLen) {
        int count = outAddr.length + inAddr.length;
        if (count == 0 || freeCount == 0) {
            throw new IllegalStateException("no free descriptor for an indirect chain of " + count);
        }
        long table = frontend.alloc(count * DESCRIPTOR_SIZE);
        for (int i = 0; i < count; i++) {
            boolean writable = i >= outAddr.length;
            long address = writable ? inAddr[i - outAddr.length] : outAddr[i];
            int length = writable ? inLen[i - outAddr.length] : outLen[i];
            boolean last = i == count - 1;
            int flags = (writable ? DESC_F_WRITE : 0) | (last ? 0 : DESC_F_NEXT);
            frontend.writeDescriptor(table + (long) i * DESCRIPTOR_SIZE, address, length, flags, last ? 0 : i + 1);
        }
        int head = freeStack[--freeCount];
        writeDescriptor(head, table, count * DESCRIPTOR_SIZE, DESC_F_INDIRECT, 0);
        chainLength[head] = 1;
        putAvail(head);
        return head;
    }

    /** Signals the kick eventfd. */
    public void kick() {
        EventFd.signal(kickFd);
        lastKickedAvail = availIdx;
    }

    /**
     * Kicks only if the device asked for it (avail_event with EVENT_IDX, else the used ring's
     * NO_NOTIFY flag), as a Linux driver does. Returns whether it kicked.
     */
    public boolean kickIfNeeded() {
        NativeMemory.fullFence();
        boolean needed;
        if (eventIdx) {
            int event = NativeMemory.getUnsignedShort(availEventAddress());
            needed = ((availIdx - event - 1) & 0xffff) < ((availIdx - lastKickedAvail) & 0xffff);
        } else {
            needed = (NativeMemory.getUnsignedShort(used) & USED_F_NO_NOTIFY) == 0;
        }
        if (needed) {
            kick();
        }
        lastKickedAvail = availIdx;
        return needed;
    }

    /**
     * Waits for the next used element, at most {@code timeout}; null on timeout. Frees the
     * descriptors of chains built by {@link #submit}/{@link #submitIndirect}. With EVENT_IDX it
     * first asks (used_event) to be called for this element, unless {@link #setAutoUsedEvent}
     * turned that off.
     */
    public UsedElement awaitUsed(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            UsedElement element = pollUsed();
            if (element != null) {
                return element;
            }
            if (eventIdx && autoUsedEvent) {
                NativeMemory.putShort(usedEventAddress(), lastUsedIdx);
                NativeMemory.fullFence();
                element = pollUsed();
                if (element != null) {
                    return element;
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            awaitCall(Duration.ofNanos(left));
        }
    }

    /** The next used element if there is one, without waiting. */
    public UsedElement pollUsed() {
        int usedIdx = NativeMemory.getUnsignedShortAcquire(used + 2);
        if (usedIdx == lastUsedIdx) {
            return null;
        }
        long element = used + 4 + 8L * (lastUsedIdx & (size - 1));
        int head = NativeMemory.getInt(element);
        int length = NativeMemory.getInt(element + 4);
        lastUsedIdx = (lastUsedIdx + 1) & 0xffff;
        release(head);
        return new UsedElement(head, length);
    }

    /** Waits until the call eventfd is signalled (then resets it), at most {@code timeout}. */
    public boolean awaitCall(Duration timeout) {
        return awaitCallSignal(timeout) && EventFd.read(callFd, scratch) == 0;
    }

    /**
     * Waits until the call eventfd is signalled, at most {@code timeout}, without resetting it
     * (read the count with {@link #takeCallCount()}).
     */
    public boolean awaitCallSignal(Duration timeout) {
        try {
            long millis = Math.max(1, (timeout.toNanos() + 999_999) / 1_000_000);
            return Fds.awaitReadable(callFd, (int) Math.min(Integer.MAX_VALUE, millis));
        } catch (ErrnoException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads and resets the call eventfd's counter: how often the device signalled since. */
    public long takeCallCount() {
        return EventFd.read(callFd, scratch) == 0 ? scratch[0] : 0;
    }

    /** Turns off (or on) setting used_event in {@link #awaitUsed}, for tests that set it themselves. */
    public void setAutoUsedEvent(boolean enabled) {
        autoUsedEvent = enabled;
    }

    // ---- raw access for hostile tests ----

    /** Takes a descriptor off the free list, for chains built by hand. */
    public int allocDescriptor() {
        if (freeCount == 0) {
            throw new IllegalStateException("no free descriptor");
        }
        return freeStack[--freeCount];
    }

    /** Gives back a descriptor taken with {@link #allocDescriptor}. */
    public void freeDescriptor(int descriptor) {
        freeStack[freeCount++] = descriptor;
    }

    /** Writes descriptor {@code descriptor} of the ring's table with any content. */
    public void writeDescriptor(int descriptor, long address, int length, int flags, int next) {
        if (descriptor < 0 || descriptor >= size) {
            throw new IndexOutOfBoundsException("descriptor " + descriptor + " of " + size);
        }
        VhostUserFrontend.writeDescriptorAt(descriptors + (long) DESCRIPTOR_SIZE * descriptor, address, length, flags,
                next);
    }

    /** Puts {@code head} (any value) in the next available slot and publishes the new index. */
    public void putAvail(int head) {
        NativeMemory.putShort(available + 4 + 2L * (availIdx & (size - 1)), head);
        availIdx = (availIdx + 1) & 0xffff;
        NativeMemory.putShortRelease(available + 2, availIdx);
    }

    /** Sets the available index to any value (the driver's own copy follows). */
    public void setAvailIdx(int value) {
        availIdx = value & 0xffff;
        NativeMemory.putShortRelease(available + 2, availIdx);
    }

    public int availIdx() {
        return availIdx;
    }

    /** The used index as the device last published it. */
    public int usedIdx() {
        return NativeMemory.getUnsignedShortAcquire(used + 2);
    }

    /** The used ring's flags (NO_NOTIFY). */
    public int usedFlags() {
        return NativeMemory.getUnsignedShort(used);
    }

    /** The device's avail_event (EVENT_IDX): the available index it wants a kick for. */
    public int availEvent() {
        return NativeMemory.getUnsignedShort(availEventAddress());
    }

    /** Sets used_event (EVENT_IDX): the used index after which the driver wants a call. */
    public void setUsedEvent(int value) {
        NativeMemory.putShort(usedEventAddress(), value);
        NativeMemory.fullFence();
    }

    /** Sets the available ring's flags (NO_INTERRUPT). */
    public void setAvailFlags(int flags) {
        NativeMemory.putShort(available, flags);
        NativeMemory.fullFence();
    }

    private long usedEventAddress() {
        return available + 4 + 2L * size;
    }

    private long availEventAddress() {
        return used + 4 + 8L * size;
    }

    /** Frees the descriptors of a chain built here once the device returned it. */
    private void release(int head) {
        if (head < 0 || head >= size || chainLength[head] == 0) {
            return;
        }
        int descriptor = head;
        for (int i = chainLength[head]; i > 0; i--) {
            freeStack[freeCount++] = descriptor;
            long entry = descriptors + (long) DESCRIPTOR_SIZE * descriptor;
            descriptor = NativeMemory.getUnsignedShort(entry + 14);
        }
        chainLength[head] = 0;
    }

    void close() {
        Fds.closeQuietly(kickFd);
        Fds.closeQuietly(callFd);
    }
}
