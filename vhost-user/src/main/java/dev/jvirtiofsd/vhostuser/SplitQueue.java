package dev.jvirtiofsd.vhostuser;

import dev.jvirtiofsd.vhostuser.memory.GuestMemory;
import dev.jvirtiofsd.vhostuser.memory.MemoryMap;
import dev.jvirtiofsd.vhostuser.sys.NativeMemory;

/**
 * The device side of one split virtqueue (virtio 1.2, section 2.7) over guest memory: pops
 * descriptor chains from the available ring, walking them defensively, and returns them through
 * the used ring with the notification rules of EVENT_IDX or of the NO_NOTIFY/NO_INTERRUPT flags.
 *
 * <p>Everything here is guest-controlled and checked: indices, descriptor addresses and lengths,
 * chain shape and length. A bad chain is reported as {@link #BAD_CHAIN} (the caller returns it
 * with length 0); a bad ring as {@link #BROKEN} (the caller stops serving the queue).
 *
 * <p>Threads: {@link #pop}, {@link #disableNotifications} and {@link #enableNotifications} are
 * called by the queue's worker thread; {@link #push} and {@link #needsNotification} by whoever
 * completes chains, serialized by the caller.
 */
final class SplitQueue {
    static final int DESCRIPTOR_SIZE = 16;
    private static final int DESC_F_NEXT = 1;
    private static final int DESC_F_WRITE = 2;
    private static final int DESC_F_INDIRECT = 4;
    private static final int AVAIL_F_NO_INTERRUPT = 1;
    private static final int USED_F_NO_NOTIFY = 1;
    private static final int RING_HEADER = 4;
    private static final int USED_ELEMENT_SIZE = 8;
    private static final long MAX_CHAIN_BYTES = 1L << 32;
    /** Largest indirect table accepted: the largest split queue there can be. */
    static final int MAX_INDIRECT_DESCRIPTORS = 32768;

    /** {@link #pop} found nothing new. */
    static final int EMPTY = 0;
    /** {@link #pop} filled the chain. */
    static final int CHAIN = 1;
    /** {@link #pop} took a head whose chain is malformed: return it with length 0. */
    static final int BAD_CHAIN = 2;
    /** {@link #pop} found the ring itself corrupt: stop serving the queue. */
    static final int BROKEN = 3;

    private final MemoryMap memory;
    private final int size;
    private final int mask;
    private final long descriptors;
    private final long available;
    private final long used;
    private final boolean eventIdx;
    /** Where the driver asks to be notified (EVENT_IDX): after the available ring. */
    private final long usedEventAddress;
    /** Where the device asks to be kicked (EVENT_IDX): after the used ring. */
    private final long availEventAddress;

    // Worker thread state.
    private int nextAvail;
    private int knownAvailIdx;
    private String problem;

    // Completion state (serialized by the caller).
    private int nextUsed;
    private int signalledUsed;
    private boolean signalledUsedValid;

    /**
     * A queue over ring parts at {@code descriptors}, {@code available} and {@code used}
     * (addresses in this process, already checked to lie inside guest memory for a queue of
     * {@code size}), reading the available ring from index {@code nextAvail} (SET_VRING_BASE).
     */
    SplitQueue(MemoryMap memory, int size, long descriptors, long available, long used, int nextAvail, boolean eventIdx) {
        this.memory = memory;
        this.size = size;
        this.mask = size - 1;
        this.descriptors = descriptors;
        this.available = available;
        this.used = used;
        this.eventIdx = eventIdx;
        this.usedEventAddress = available + RING_HEADER + 2L * size;
        this.availEventAddress = used + RING_HEADER + (long) USED_ELEMENT_SIZE * size;
        this.nextAvail = nextAvail & 0xffff;
        this.knownAvailIdx = this.nextAvail;
        // The used index continues from what the ring holds (it survives a stop and restart).
        this.nextUsed = NativeMemory.getUnsignedShort(used + 2);
    }

    static long descriptorTableBytes(int size) {
        return (long) DESCRIPTOR_SIZE * size;
    }

    static long availableRingBytes(int size) {
        return RING_HEADER + 2L * size + 2;
    }

    static long usedRingBytes(int size) {
        return RING_HEADER + (long) USED_ELEMENT_SIZE * size + 2;
    }

    int size() {
        return size;
    }

    /** The next available-ring index to read; what GET_VRING_BASE reports once stopped. */
    int nextAvail() {
        return nextAvail;
    }

    int nextUsed() {
        return nextUsed;
    }

    /** Why the last {@link #pop} returned {@link #BAD_CHAIN} or {@link #BROKEN}. */
    String problem() {
        return problem;
    }

    /**
     * Takes the next available chain into {@code chain}. Returns {@link #EMPTY}, {@link #CHAIN},
     * {@link #BAD_CHAIN} (the chain's head is set; return it with length 0) or {@link #BROKEN}.
     */
    int pop(DescriptorChain chain) {
        if (nextAvail == knownAvailIdx) {
            // Acquire: the ring entries the driver published with this index are visible below.
            knownAvailIdx = NativeMemory.getUnsignedShortAcquire(available + 2);
            if (nextAvail == knownAvailIdx) {
                return EMPTY;
            }
            if (((knownAvailIdx - nextAvail) & 0xffff) > size) {
                problem = "available index " + knownAvailIdx + " is more than the queue size ahead of " + nextAvail;
                knownAvailIdx = nextAvail;
                return BROKEN;
            }
        }
        int head = NativeMemory.getUnsignedShort(available + RING_HEADER + 2L * (nextAvail & mask));
        if (head >= size) {
            problem = "head index " + head + " at available slot " + nextAvail + " is outside a queue of " + size;
            return BROKEN;
        }
        nextAvail = (nextAvail + 1) & 0xffff;
        return walk(chain, head, memory.current());
    }

    /** Walks the chain at {@code head} into {@code chain}, checking every descriptor. */
    private int walk(DescriptorChain chain, int head, GuestMemory guest) {
        chain.reset(head);
        long table = descriptors;
        int tableSize = size;
        int index = head;
        int budget = size;
        boolean indirect = false;
        boolean writableSeen = false;
        long totalBytes = 0;
        while (true) {
            if (budget-- == 0) {
                return bad(indirect ? "indirect chain longer than its table (a loop?)" : "chain longer than the queue (a loop?)");
            }
            long descriptor = table + (long) DESCRIPTOR_SIZE * index;
            long address = NativeMemory.getLong(descriptor);
            long length = Integer.toUnsignedLong(NativeMemory.getInt(descriptor + 8));
            int flags = NativeMemory.getUnsignedShort(descriptor + 12);
            int next = NativeMemory.getUnsignedShort(descriptor + 14);
            if ((flags & DESC_F_INDIRECT) != 0) {
                if (indirect) {
                    return bad("indirect descriptor inside an indirect table");
                }
                if ((flags & (DESC_F_NEXT | DESC_F_WRITE)) != 0) {
                    return bad("indirect descriptor with NEXT or WRITE set");
                }
                if (length == 0 || length % DESCRIPTOR_SIZE != 0) {
                    return bad("indirect table length " + length + " is not a positive multiple of 16");
                }
                if (length / DESCRIPTOR_SIZE > MAX_INDIRECT_DESCRIPTORS) {
                    return bad("indirect table of " + length / DESCRIPTOR_SIZE + " descriptors");
                }
                long tableAddress = guest.translateGuest(address, length);
                if (tableAddress == GuestMemory.NOT_MAPPED) {
                    return bad("indirect table outside guest memory");
                }
                table = tableAddress;
                tableSize = (int) (length / DESCRIPTOR_SIZE);
                budget = tableSize;
                index = 0;
                indirect = true;
                continue;
            }
            boolean writable = (flags & DESC_F_WRITE) != 0;
            if (!writable && writableSeen) {
                return bad("device-readable descriptor after a device-writable one");
            }
            writableSeen |= writable;
            totalBytes += length;
            if (totalBytes > MAX_CHAIN_BYTES) {
                return bad("chain longer than 4 GiB");
            }
            if (length > 0 && !addBuffer(chain, guest, address, length, writable)) {
                return BAD_CHAIN;
            }
            if ((flags & DESC_F_NEXT) == 0) {
                return CHAIN;
            }
            if (next >= tableSize) {
                return bad("next index " + next + " outside a table of " + tableSize);
            }
            index = next;
        }
    }

    /** Adds guest buffer [gpa, gpa + length) as segments, split where regions meet. */
    private boolean addBuffer(DescriptorChain chain, GuestMemory guest, long gpa, long length, boolean writable) {
        if (Long.compareUnsigned(gpa + length - 1, gpa) < 0) {
            problem = "buffer wraps the address space";
            return false;
        }
        long address = gpa;
        long left = length;
        while (left > 0) {
            int region = guest.findGuestRegion(address);
            if (region < 0) {
                problem = String.format("buffer 0x%x+%d is outside guest memory", gpa, length);
                return false;
            }
            long n = Math.min(Math.min(left, guest.guestRegionEnd(region) - address), DescriptorChain.MAX_SEGMENT_LENGTH);
            if (!chain.add(guest.hostAddress(region, address), (int) n, writable)) {
                problem = "chain has more than " + DescriptorChain.MAX_SEGMENTS + " segments";
                return false;
            }
            address += n;
            left -= n;
        }
        return true;
    }

    private int bad(String why) {
        problem = why;
        return BAD_CHAIN;
    }

    /** Puts a completed chain into the used ring and publishes the new used index. */
    void push(int head, int length) {
        long element = used + RING_HEADER + (long) USED_ELEMENT_SIZE * (nextUsed & mask);
        NativeMemory.putInt(element, head);
        NativeMemory.putInt(element + 4, length);
        nextUsed = (nextUsed + 1) & 0xffff;
        // Release: the element is visible before the index that publishes it.
        NativeMemory.putShortRelease(used + 2, nextUsed);
    }

    /** Whether the driver wants an interrupt for what {@link #push} published since the last check. */
    boolean needsNotification() {
        // The used index store must be visible before reading the driver's wish, or a driver
        // that just re-enabled interrupts could miss both.
        NativeMemory.fullFence();
        if (!eventIdx) {
            return (NativeMemory.getUnsignedShort(available) & AVAIL_F_NO_INTERRUPT) == 0;
        }
        int old = signalledUsed;
        boolean valid = signalledUsedValid;
        signalledUsed = nextUsed;
        signalledUsedValid = true;
        if (!valid) {
            return true;
        }
        return needsEvent(NativeMemory.getUnsignedShort(usedEventAddress), nextUsed, old);
    }

    /**
     * vring_need_event: true when {@code eventIdx} lies in [old, new), all in 16-bit
     * wrap-around arithmetic; i.e. the index the driver waits for was passed by this batch.
     */
    static boolean needsEvent(int eventIdx, int newIdx, int oldIdx) {
        return ((newIdx - eventIdx - 1) & 0xffff) < ((newIdx - oldIdx) & 0xffff);
    }

    /** Asks the driver not to kick while the worker is busy anyway. */
    void disableNotifications() {
        if (!eventIdx) {
            NativeMemory.putShort(used, USED_F_NO_NOTIFY);
        }
        // With EVENT_IDX the kick threshold (avail_event) simply stays behind while we work.
    }

    /**
     * Asks the driver to kick for the next chain again. Returns true when chains arrived
     * meanwhile (the caller must pop them: the driver may have decided not to kick).
     */
    boolean enableNotifications() {
        if (eventIdx) {
            NativeMemory.putShort(availEventAddress, nextAvail);
        } else {
            NativeMemory.putShort(used, 0);
        }
        // Our store must be visible before we read the index, or a driver that read the old
        // value and skipped its kick would leave this chain unseen.
        NativeMemory.fullFence();
        return NativeMemory.getUnsignedShort(available + 2) != nextAvail;
    }
}
