package dev.jvirtiofsd.vhostuser;

import dev.jvirtiofsd.vhostuser.memory.GuestMemory;
import dev.jvirtiofsd.vhostuser.memory.InvalidRegionException;
import dev.jvirtiofsd.vhostuser.memory.MemoryMap;
import dev.jvirtiofsd.vhostuser.memory.RegionDescription;
import dev.jvirtiofsd.vhostuser.sys.ErrnoException;
import dev.jvirtiofsd.vhostuser.sys.Fds;
import dev.jvirtiofsd.vhostuser.sys.NativeMemory;
import java.util.List;

/**
 * One split queue over real guest memory for the queue benchmarks: a memfd region mapped
 * MAP_SHARED through {@link MemoryMap}, exactly as a frontend's memory table is, with the
 * descriptor table, available ring and used ring at fixed guest addresses, and buffers after
 * them. The benchmark plays the driver: it writes descriptors and publishes heads.
 */
final class BenchmarkRing implements AutoCloseable {
    static final int QUEUE_SIZE = 256;
    private static final long REGION_BYTES = 1 << 20;
    private static final long DESCRIPTORS_GPA = 0;
    private static final long AVAILABLE_GPA = 8192;
    private static final long USED_GPA = 12288;
    /** Where {@link #gpa} hands out buffers and indirect tables. */
    private static final long BUFFERS_GPA = 65536;
    private static final int DESC_F_NEXT = 1;
    private static final int DESC_F_WRITE = 2;
    private static final int DESC_F_INDIRECT = 4;

    final MemoryMap memory = new MemoryMap();
    final SplitQueue queue;
    private final long host;
    private int availIdx;

    BenchmarkRing(boolean eventIdx) throws ErrnoException, InvalidRegionException {
        int fd = Fds.memfdCreate("benchmark-guest", REGION_BYTES);
        memory.replace(List.of(new RegionDescription(0, REGION_BYTES, 0x7f00_0000_0000L, 0)), new int[] {fd});
        GuestMemory guest = memory.current();
        host = guest.translateGuest(0, REGION_BYTES);
        queue = new SplitQueue(memory, QUEUE_SIZE, host + DESCRIPTORS_GPA, host + AVAILABLE_GPA, host + USED_GPA, 0,
                eventIdx);
    }

    /** Guest address of a buffer of the benchmark ({@code n}-th 4 KiB slot after the rings). */
    static long gpa(int n) {
        return BUFFERS_GPA + 4096L * n;
    }

    /** Writes descriptor {@code index} of the ring's table. */
    void descriptor(int index, long gpa, int length, boolean writable, int next) {
        writeDescriptor(host + DESCRIPTORS_GPA + (long) SplitQueue.DESCRIPTOR_SIZE * index, gpa, length,
                (writable ? DESC_F_WRITE : 0) | (next >= 0 ? DESC_F_NEXT : 0), Math.max(next, 0));
    }

    /** Writes entry {@code index} of an indirect table at guest address {@code tableGpa}. */
    void indirectEntry(long tableGpa, int index, long gpa, int length, boolean writable, int next) {
        writeDescriptor(host + tableGpa + (long) SplitQueue.DESCRIPTOR_SIZE * index, gpa, length,
                (writable ? DESC_F_WRITE : 0) | (next >= 0 ? DESC_F_NEXT : 0), Math.max(next, 0));
    }

    /** Makes descriptor {@code index} name the indirect table of {@code entries} at {@code tableGpa}. */
    void indirectDescriptor(int index, long tableGpa, int entries) {
        writeDescriptor(host + DESCRIPTORS_GPA + (long) SplitQueue.DESCRIPTOR_SIZE * index, tableGpa,
                entries * SplitQueue.DESCRIPTOR_SIZE, DESC_F_INDIRECT, 0);
    }

    private static void writeDescriptor(long at, long gpa, int length, int flags, int next) {
        NativeMemory.putLong(at, gpa);
        NativeMemory.putInt(at + 8, length);
        NativeMemory.putShort(at + 12, flags);
        NativeMemory.putShort(at + 14, next);
    }

    /** Publishes {@code head} in the available ring, as a driver does (release store of avail.idx). */
    void publish(int head) {
        NativeMemory.putShort(host + AVAILABLE_GPA + 4 + 2L * (availIdx & (QUEUE_SIZE - 1)), head);
        availIdx = (availIdx + 1) & 0xffff;
        NativeMemory.putShortRelease(host + AVAILABLE_GPA + 2, availIdx);
    }

    /** Sets used_event, the used index after which the driver wants an interrupt (EVENT_IDX). */
    void usedEvent(int value) {
        NativeMemory.putShort(host + AVAILABLE_GPA + 4 + 2L * QUEUE_SIZE, value);
    }

    @Override
    public void close() {
        memory.close();
    }
}
