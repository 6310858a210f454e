package dev.jvirtiofsd.vhostuser;

import static dev.jvirtiofsd.vhostuser.frontend.DriverQueue.DESC_F_INDIRECT;
import static dev.jvirtiofsd.vhostuser.frontend.DriverQueue.DESC_F_NEXT;
import static dev.jvirtiofsd.vhostuser.frontend.DriverQueue.DESC_F_WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.jvirtiofsd.vhostuser.frontend.DriverQueue;
import dev.jvirtiofsd.vhostuser.frontend.FrontendOptions;
import dev.jvirtiofsd.vhostuser.frontend.UsedElement;
import dev.jvirtiofsd.vhostuser.frontend.VhostUserFrontend;
import dev.jvirtiofsd.vhostuser.testing.BackendRunner;
import dev.jvirtiofsd.vhostuser.testing.EchoDevice;
import java.time.Duration;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A guest that writes nonsense into its rings: malformed chains come back unprocessed with length
 * 0, a corrupt ring stops only its own queue, and the backend keeps serving.
 */
class HostileChainTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Duration SHORT = Duration.ofMillis(200);
    private static final int QUEUE_SIZE = 16;

    private EchoDevice device;
    private BackendRunner backend;
    private VhostUserFrontend frontend;
    private DriverQueue queue;

    @BeforeEach
    void start() throws Exception {
        device = new EchoDevice(2);
        backend = BackendRunner.start(device, 0);
        frontend = backend.connect(FrontendOptions.defaults().withQueueSize(QUEUE_SIZE));
        queue = frontend.queue(1);
    }

    @AfterEach
    void stop() throws Exception {
        frontend.close();
        backend.close();
        assertNull(backend.failure());
    }

    /** The queue (and the other one) still answer a well-formed request. */
    private void assertStillServing(int queueIndex) throws Exception {
        byte[] request = {1, 2, 3, 4, 5};
        assertArrayEquals(EchoDevice.expectedReply(request, 8), frontend.roundTrip(queueIndex, request, 8, TIMEOUT));
    }

    /**
     * Builds a chain by hand in descriptors taken from the free list ({@code build} writes them,
     * given the index of descriptor k), publishes its head, and checks it comes back with
     * length 0 without reaching the device.
     */
    private void assertRejected(int descriptors, ChainWriter build) throws Exception {
        int[] taken = new int[descriptors];
        for (int i = 0; i < descriptors; i++) {
            taken[i] = queue.allocDescriptor();
        }
        int processedBefore = device.processed();
        build.write(k -> taken[k]);
        queue.putAvail(taken[0]);
        queue.kick();
        UsedElement used = queue.awaitUsed(TIMEOUT);
        assertNotNull(used, "the malformed chain comes back");
        assertEquals(taken[0], used.head());
        assertEquals(0, used.length());
        assertEquals(processedBefore, device.processed(), "the device never saw it");
        for (int d : taken) {
            queue.freeDescriptor(d);
        }
        assertStillServing(1);
    }

    @FunctionalInterface
    private interface ChainWriter {
        void write(IntUnaryOperator descriptor);
    }

    @Test
    void bufferOutsideEveryRegion() throws Exception {
        long end = frontend.memoryBytes();
        assertRejected(1, d -> queue.writeDescriptor(d.applyAsInt(0), end + 4096, 16, 0, 0));
        assertRejected(1, d -> queue.writeDescriptor(d.applyAsInt(0), end - 8, 16, DESC_F_WRITE, 0));
        assertRejected(2, d -> {
            queue.writeDescriptor(d.applyAsInt(0), frontend.alloc(8), 8, DESC_F_NEXT, d.applyAsInt(1));
            queue.writeDescriptor(d.applyAsInt(1), 1L << 40, 8, DESC_F_WRITE, 0);
        });
    }

    @Test
    void lengthThatWrapsTheAddressSpace() throws Exception {
        assertRejected(1, d -> queue.writeDescriptor(d.applyAsInt(0), -16L, 32, 0, 0));
        assertRejected(1, d -> queue.writeDescriptor(d.applyAsInt(0), 4096, -1, DESC_F_WRITE, 0));
    }

    @Test
    void chainThatLoops() throws Exception {
        assertRejected(2, d -> {
            long buffer = frontend.alloc(8);
            queue.writeDescriptor(d.applyAsInt(0), buffer, 8, DESC_F_NEXT, d.applyAsInt(1));
            queue.writeDescriptor(d.applyAsInt(1), buffer, 8, DESC_F_NEXT, d.applyAsInt(0));
        });
        assertRejected(1, d -> queue.writeDescriptor(d.applyAsInt(0), frontend.alloc(8), 8, DESC_F_NEXT, d.applyAsInt(0)));
    }

    @Test
    void nextIndexOutsideTheTable() throws Exception {
        assertRejected(1, d -> queue.writeDescriptor(d.applyAsInt(0), frontend.alloc(8), 8, DESC_F_NEXT, QUEUE_SIZE + 3));
    }

    @Test
    void readableDescriptorAfterAWritableOne() throws Exception {
        assertRejected(2, d -> {
            long buffer = frontend.alloc(16);
            queue.writeDescriptor(d.applyAsInt(0), buffer, 8, DESC_F_WRITE | DESC_F_NEXT, d.applyAsInt(1));
            queue.writeDescriptor(d.applyAsInt(1), buffer + 8, 8, 0, 0);
        });
    }

    @Test
    void malformedIndirectTables() throws Exception {
        long buffer = frontend.alloc(64);
        // A table nested in a table.
        long inner = frontend.alloc(16);
        frontend.writeDescriptor(inner, buffer, 8, 0, 0);
        long outer = frontend.alloc(32);
        frontend.writeDescriptor(outer, buffer, 8, DESC_F_NEXT, 1);
        frontend.writeDescriptor(outer + 16, inner, 16, DESC_F_INDIRECT, 0);
        assertRejected(1, d -> queue.writeDescriptor(d.applyAsInt(0), outer, 32, DESC_F_INDIRECT, 0));
        // A table whose length is not a multiple of 16, or zero.
        assertRejected(1, d -> queue.writeDescriptor(d.applyAsInt(0), inner, 24, DESC_F_INDIRECT, 0));
        assertRejected(1, d -> queue.writeDescriptor(d.applyAsInt(0), inner, 0, DESC_F_INDIRECT, 0));
        // INDIRECT mixed with NEXT or WRITE.
        assertRejected(2, d -> {
            queue.writeDescriptor(d.applyAsInt(0), inner, 16, DESC_F_INDIRECT | DESC_F_NEXT, d.applyAsInt(1));
            queue.writeDescriptor(d.applyAsInt(1), buffer, 8, DESC_F_WRITE, 0);
        });
        assertRejected(1, d -> queue.writeDescriptor(d.applyAsInt(0), inner, 16, DESC_F_INDIRECT | DESC_F_WRITE, 0));
        // A table outside guest memory.
        assertRejected(1, d -> queue.writeDescriptor(d.applyAsInt(0), frontend.memoryBytes() - 16, 32, DESC_F_INDIRECT, 0));
        // A chain inside a table that loops (longer than the table).
        long looping = frontend.alloc(64);
        for (int i = 0; i < 4; i++) {
            frontend.writeDescriptor(looping + 16L * i, buffer, 8, DESC_F_NEXT, (i + 1) % 4);
        }
        assertRejected(1, d -> queue.writeDescriptor(d.applyAsInt(0), looping, 64, DESC_F_INDIRECT, 0));
        // A table with next pointing past its end.
        long shortTable = frontend.alloc(32);
        frontend.writeDescriptor(shortTable, buffer, 8, DESC_F_NEXT, 2);
        frontend.writeDescriptor(shortTable + 16, buffer, 8, 0, 0);
        assertRejected(1, d -> queue.writeDescriptor(d.applyAsInt(0), shortTable, 32, DESC_F_INDIRECT, 0));
    }

    @Test
    void chainWithMoreSegmentsThanAllowed() throws Exception {
        int count = DescriptorChain.MAX_SEGMENTS + 1;
        long buffer = frontend.alloc(count);
        long table = frontend.alloc(16 * count);
        for (int i = 0; i < count; i++) {
            frontend.writeDescriptor(table + 16L * i, buffer + i, 1, i + 1 < count ? DESC_F_NEXT : 0, i + 1);
        }
        assertRejected(1, d -> queue.writeDescriptor(d.applyAsInt(0), table, 16 * count, DESC_F_INDIRECT, 0));
    }

    @Test
    void availableIndexFarAheadBreaksOnlyThatQueue() throws Exception {
        int before = queue.availIdx();
        int base = queue.usedIdx();
        queue.setAvailIdx(before + QUEUE_SIZE + 1);
        queue.kick();
        assertNull(queue.awaitUsed(SHORT), "a broken queue is not served");
        assertStillServing(0);
        // The frontend can still stop it, repair the ring and start it again.
        assertEquals(base, frontend.getVringBase(1));
        queue.setAvailIdx(before);
        frontend.restartQueue(1, base);
        assertStillServing(1);
    }

    @Test
    void headIndexOutsideTheQueueBreaksOnlyThatQueue() throws Exception {
        queue.putAvail(QUEUE_SIZE + 5);
        queue.kick();
        assertNull(queue.awaitUsed(SHORT));
        assertStillServing(0);
    }

    @Test
    void chainLongerThan4GiB() throws Exception {
        frontend.close();
        backend.close();
        device = new EchoDevice(1);
        backend = BackendRunner.start(device, 0);
        // 6 GiB of guest memory: a sparse memfd, mapped but never touched beyond the rings.
        frontend = backend.connect(FrontendOptions.defaults().withMemoryBytes(6L << 30).withQueueSize(QUEUE_SIZE));
        queue = frontend.queue(0);
        int first = queue.allocDescriptor();
        int second = queue.allocDescriptor();
        int third = queue.allocDescriptor();
        // Three descriptors of 1.5 GiB each: the third takes the total past 4 GiB.
        queue.writeDescriptor(first, 1L << 30, 3 << 29, DESC_F_NEXT, second);
        queue.writeDescriptor(second, 1L << 30, 3 << 29, DESC_F_WRITE | DESC_F_NEXT, third);
        queue.writeDescriptor(third, 1L << 30, 3 << 29, DESC_F_WRITE, 0);
        queue.putAvail(first);
        queue.kick();
        UsedElement used = queue.awaitUsed(TIMEOUT);
        assertNotNull(used);
        assertEquals(first, used.head());
        assertEquals(0, used.length());
        assertEquals(0, device.processed());
        assertStillServing(0);
    }
}
