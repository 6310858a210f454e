package dev.jvirtiofsd.vhostuser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jvirtiofsd.vhostuser.memory.GuestMemory;
import dev.jvirtiofsd.vhostuser.memory.InvalidRegionException;
import dev.jvirtiofsd.vhostuser.memory.MemoryMap;
import dev.jvirtiofsd.vhostuser.memory.RegionDescription;
import dev.jvirtiofsd.vhostuser.sys.ErrnoException;
import dev.jvirtiofsd.vhostuser.sys.Fds;
import dev.jvirtiofsd.vhostuser.sys.NativeMemory;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Fuzzes the descriptor-chain walk: the guest's memory (two memfd regions, the rings inside the
 * first) holds whatever the fuzzer wrote, and {@link SplitQueue#pop} must end every walk, hand out
 * only segments inside the mapped regions, and never pop more chains than the queue holds.
 *
 * <p>Without {@code JAZZER_FUZZ} this replays the committed inputs in {@code
 * DescriptorChainWalkFuzzTestInputs/}; {@code mvn verify} fuzzes it for a minute.
 */
class DescriptorChainWalkFuzzTest {
    private static final long REGION_BYTES = 32 * 1024;
    /** The second region sits far above the first, so a buffer cannot run from one into the other. */
    private static final long SECOND_REGION_GPA = 0x10_0000;
    private static final long DESCRIPTORS_GPA = 0;
    private static final long AVAILABLE_GPA = 4096;
    private static final long USED_GPA = 8192;
    private static final int HEADER_BYTES = 4;

    private static MemoryMap memory;
    private static long firstHost;
    private static long secondHost;

    private static synchronized GuestMemory guest() throws ErrnoException, InvalidRegionException {
        if (memory == null) {
            MemoryMap map = new MemoryMap();
            int first = Fds.memfdCreate("fuzz-first", REGION_BYTES);
            int second = Fds.memfdCreate("fuzz-second", REGION_BYTES);
            map.replace(List.of(
                    new RegionDescription(0, REGION_BYTES, 0x7f00_0000_0000L, 0),
                    new RegionDescription(SECOND_REGION_GPA, REGION_BYTES, 0x7f10_0000_0000L, 0)),
                    new int[] {first, second});
            GuestMemory g = map.current();
            firstHost = g.hostAddress(g.findGuestRegion(0), 0);
            secondHost = g.hostAddress(g.findGuestRegion(SECOND_REGION_GPA), SECOND_REGION_GPA);
            memory = map;
        }
        return memory.current();
    }

    /**
     * The input: byte 0 picks the queue size (2^(b % 9)), bytes 1-2 the first available index
     * (little-endian), byte 3 bit 0 EVENT_IDX and bit 1 whether input left over after the first
     * region also fills the second; the rest is guest memory from guest address 0 (descriptor
     * table at 0, available ring at 4096, used ring at 8192, buffers anywhere).
     */
    @FuzzTest(maxDuration = "60s")
    void walkNeverLeavesGuestMemory(byte[] input) throws Exception {
        GuestMemory g = guest();
        if (input.length < HEADER_BYTES) {
            return;
        }
        int size = 1 << ((input[0] & 0xff) % 9);
        int nextAvail = (input[1] & 0xff) | (input[2] & 0xff) << 8;
        boolean eventIdx = (input[3] & 1) != 0;
        boolean fillSecond = (input[3] & 2) != 0;
        int contents = input.length - HEADER_BYTES;
        NativeMemory.fill(firstHost, REGION_BYTES, (byte) 0);
        NativeMemory.fill(secondHost, REGION_BYTES, (byte) 0);
        int first = (int) Math.min(contents, REGION_BYTES);
        NativeMemory.copyFromBuffer(ByteBuffer.wrap(input, HEADER_BYTES, first), firstHost, first);
        if (fillSecond && contents > first) {
            int second = (int) Math.min(contents - first, REGION_BYTES);
            NativeMemory.copyFromBuffer(ByteBuffer.wrap(input, HEADER_BYTES + first, second), secondHost, second);
        }

        SplitQueue queue = new SplitQueue(memory, size, firstHost + DESCRIPTORS_GPA, firstHost + AVAILABLE_GPA,
                firstHost + USED_GPA, nextAvail, eventIdx);
        DescriptorChain chain = new DescriptorChain();
        int taken = 0;
        for (int round = 0; ; round++) {
            if (round > size + 1) {
                fail("pop went on past the queue size: " + round + " rounds in a queue of " + size);
            }
            int result = queue.pop(chain);
            if (result == SplitQueue.EMPTY || result == SplitQueue.BROKEN) {
                break;
            }
            taken++;
            assertTrue(chain.headIndex() >= 0 && chain.headIndex() < size, "head inside the queue");
            if (result == SplitQueue.CHAIN) {
                assertInsideRegions(chain);
                queue.push(chain.headIndex(), (int) Math.min(chain.writableBytes(), Integer.MAX_VALUE));
            } else {
                assertEquals(SplitQueue.BAD_CHAIN, result);
                queue.push(chain.headIndex(), 0);
            }
            queue.needsNotification();
        }
        assertTrue(taken <= size, taken + " chains from a queue of " + size);
        assertEquals(g, memory.current());
    }

    private static void assertInsideRegions(DescriptorChain chain) {
        long readable = 0;
        for (int i = 0; i < chain.readableSegments(); i++) {
            assertInside(chain.readableAddress(i), chain.readableLength(i));
            readable += Integer.toUnsignedLong(chain.readableLength(i));
        }
        assertEquals(readable, chain.readableBytes());
        long writable = 0;
        for (int i = 0; i < chain.writableSegments(); i++) {
            assertInside(chain.writableAddress(i), chain.writableLength(i));
            writable += Integer.toUnsignedLong(chain.writableLength(i));
        }
        assertEquals(writable, chain.writableBytes());
    }

    private static void assertInside(long address, int length) {
        long bytes = Integer.toUnsignedLong(length);
        boolean inFirst = address >= firstHost && address + bytes <= firstHost + REGION_BYTES;
        boolean inSecond = address >= secondHost && address + bytes <= secondHost + REGION_BYTES;
        assertTrue(bytes > 0 && (inFirst || inSecond),
                String.format("segment 0x%x+%d outside both regions", address, bytes));
    }
}
