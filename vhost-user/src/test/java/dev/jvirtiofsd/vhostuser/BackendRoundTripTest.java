package dev.jvirtiofsd.vhostuser;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvirtiofsd.vhostuser.frontend.DriverQueue;
import dev.jvirtiofsd.vhostuser.frontend.FrontendOptions;
import dev.jvirtiofsd.vhostuser.frontend.Reply;
import dev.jvirtiofsd.vhostuser.frontend.UsedElement;
import dev.jvirtiofsd.vhostuser.frontend.VhostUserFrontend;
import dev.jvirtiofsd.vhostuser.message.Features;
import dev.jvirtiofsd.vhostuser.message.Header;
import dev.jvirtiofsd.vhostuser.message.Request;
import dev.jvirtiofsd.vhostuser.testing.BackendRunner;
import dev.jvirtiofsd.vhostuser.testing.EchoDevice;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The backend over a real socket and real shared memory, driven by the frontend. */
class BackendRoundTripTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Duration SHORT = Duration.ofMillis(200);

    private static byte[] bytes(int length, int seed) {
        byte[] data = new byte[length];
        new Random(seed).nextBytes(data);
        return data;
    }

    @Test
    void handshakeNegotiatesAndEveryQueueServes() throws Exception {
        EchoDevice device = new EchoDevice(3);
        try (BackendRunner backend = BackendRunner.start(device, 0)) {
            try (VhostUserFrontend frontend = backend.connect(FrontendOptions.defaults())) {
                assertEquals(Features.TRANSPORT, frontend.offeredFeatures());
                assertEquals(Features.PROTOCOL_OFFERED, frontend.offeredProtocolFeatures());
                assertEquals(3, frontend.queueCount());
                assertEquals(509, frontend.maxMemSlots());
                assertEquals(3, frontend.startedQueues());
                byte[] request = "hello, virtio".getBytes(StandardCharsets.UTF_8);
                for (int queue = 0; queue < 3; queue++) {
                    assertArrayEquals(EchoDevice.expectedReply(request, 64), frontend.roundTrip(queue, request, 64, TIMEOUT));
                    assertArrayEquals(EchoDevice.expectedReply(request, 5), frontend.roundTrip(queue, request, 5, TIMEOUT));
                }
                assertEquals(6, device.processed());
            }
            assertTrue(backend.awaitServed(TIMEOUT), "serve() returns when the frontend disconnects");
            assertNull(backend.failure());
            assertEquals(1, device.resets());
        }
    }

    @Test
    void memTableStyleWithoutEventIdxOrIndirect() throws Exception {
        EchoDevice device = new EchoDevice(2);
        FrontendOptions options = FrontendOptions.defaults().withMemTable(true).withEventIdx(false).withIndirect(false);
        try (BackendRunner backend = BackendRunner.start(device, 0);
                VhostUserFrontend frontend = backend.connect(options)) {
            assertEquals(0, frontend.features() & (Features.RING_EVENT_IDX | Features.RING_INDIRECT_DESC));
            for (int i = 0; i < 300; i++) {
                byte[] request = bytes(1 + i, i);
                assertArrayEquals(EchoDevice.expectedReply(request, 4096), frontend.roundTrip(1, request, 4096, TIMEOUT));
            }
            // The worker re-enables notifications just after publishing the last reply.
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (frontend.queue(1).usedFlags() != 0 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertEquals(0, frontend.queue(1).usedFlags(), "notifications are enabled again when idle");
        }
    }

    @Test
    void buffersMaySpanTwoRegions() throws Exception {
        EchoDevice device = new EchoDevice(1);
        for (boolean memTable : new boolean[] {false, true}) {
            FrontendOptions options = FrontendOptions.defaults().withSplitRegions(true).withMemTable(memTable);
            try (BackendRunner backend = BackendRunner.start(device, 0);
                    VhostUserFrontend frontend = backend.connect(options)) {
                long boundary = frontend.regionBoundary();
                assertEquals(2, frontend.regions().size());
                long out = boundary - 100;
                long in = boundary - 4096 * 3 + 1;
                byte[] request = bytes(300, 1);
                frontend.buffer(out, request.length).put(request);
                DriverQueue queue = frontend.queue(0);
                int head = queue.submit(new long[] {out}, new int[] {request.length}, new long[] {in}, new int[] {4096 * 4});
                queue.kick();
                UsedElement used = queue.awaitUsed(TIMEOUT);
                assertNotNull(used);
                assertEquals(head, used.head());
                assertEquals(300, used.length());
                byte[] reply = new byte[300];
                frontend.buffer(in, 300).get(reply);
                assertArrayEquals(EchoDevice.expectedReply(request, 300), reply);
            }
        }
    }

    @Test
    void indirectTablesAndMultiDescriptorChains() throws Exception {
        EchoDevice device = new EchoDevice(1);
        try (BackendRunner backend = BackendRunner.start(device, 0);
                VhostUserFrontend frontend = backend.connect(FrontendOptions.defaults())) {
            DriverQueue queue = frontend.queue(0);
            byte[] request = bytes(1000, 2);
            long[] outs = {frontend.alloc(100), frontend.alloc(400), frontend.alloc(500)};
            int[] outLengths = {100, 400, 500};
            int offset = 0;
            for (int i = 0; i < outs.length; i++) {
                frontend.buffer(outs[i], outLengths[i]).put(request, offset, outLengths[i]);
                offset += outLengths[i];
            }
            long[] ins = {frontend.alloc(10), frontend.alloc(990)};
            int[] inLengths = {10, 990};
            for (boolean indirect : new boolean[] {true, false}) {
                int head = indirect ? queue.submitIndirect(outs, outLengths, ins, inLengths)
                        : queue.submit(outs, outLengths, ins, inLengths);
                queue.kick();
                UsedElement used = queue.awaitUsed(TIMEOUT);
                assertEquals(head, used.head());
                assertEquals(1000, used.length());
                byte[] reply = new byte[1000];
                frontend.buffer(ins[0], 10).get(reply, 0, 10);
                frontend.buffer(ins[1], 990).get(reply, 10, 990);
                assertArrayEquals(EchoDevice.expectedReply(request, 1000), reply);
            }
            assertEquals(queue.size(), queue.freeDescriptors(), "every descriptor came back");
        }
    }

    @Test
    void ringIndicesWrapAround65535() throws Exception {
        EchoDevice device = new EchoDevice(1);
        for (boolean eventIdx : new boolean[] {true, false}) {
            FrontendOptions options = FrontendOptions.defaults().withInitialIndex(65530).withQueueSize(8).withEventIdx(eventIdx);
            try (BackendRunner backend = BackendRunner.start(device, 0);
                    VhostUserFrontend frontend = backend.connect(options)) {
                for (int i = 0; i < 20; i++) {
                    byte[] request = bytes(16, i);
                    assertArrayEquals(EchoDevice.expectedReply(request, 16), frontend.roundTrip(0, request, 16, TIMEOUT));
                }
                assertEquals((65530 + 20) & 0xffff, frontend.queue(0).usedIdx());
                assertEquals((65530 + 20) & 0xffff, frontend.getVringBase(0));
            }
        }
    }

    @Test
    void manyRequestsInFlightComeBackOutOfOrderWithAPool() throws Exception {
        EchoDevice device = new EchoDevice(2);
        try (BackendRunner backend = BackendRunner.start(device, 4);
                VhostUserFrontend frontend = backend.connect(FrontendOptions.defaults().withQueueSize(64))) {
            DriverQueue queue = frontend.queue(1);
            // Three requests are held inside the device at once: only a pool can do that.
            device.closeGate();
            Map<Integer, byte[]> requests = new HashMap<>();
            Map<Integer, Long> replies = new HashMap<>();
            for (int i = 0; i < 3; i++) {
                submitEcho(frontend, queue, bytes(50 + i, i), requests, replies);
            }
            queue.kick();
            assertTrue(device.awaitEntered(3, 10, TimeUnit.SECONDS), "three requests processed concurrently");
            device.openGate();
            for (int i = 3; i < 32; i++) {
                submitEcho(frontend, queue, bytes(50 + i, i), requests, replies);
            }
            queue.kick();
            for (int i = 0; i < 32; i++) {
                UsedElement used = queue.awaitUsed(TIMEOUT);
                assertNotNull(used, "reply " + i);
                byte[] request = requests.remove(used.head());
                assertNotNull(request, "head " + used.head() + " was submitted once");
                assertEquals(request.length, used.length());
                byte[] reply = new byte[request.length];
                frontend.buffer(replies.get(used.head()), request.length).get(reply);
                assertArrayEquals(EchoDevice.expectedReply(request, request.length), reply);
            }
            assertTrue(requests.isEmpty());
            assertTrue(device.threadNames().stream().allMatch(n -> n.startsWith("vhost-worker")), device.threadNames().toString());
        }
    }

    private static void submitEcho(VhostUserFrontend frontend, DriverQueue queue, byte[] request,
            Map<Integer, byte[]> requests, Map<Integer, Long> replies) {
        long out = frontend.alloc(request.length);
        long in = frontend.alloc(request.length);
        frontend.buffer(out, request.length).put(request);
        int head = queue.submit(new long[] {out}, new int[] {request.length}, new long[] {in}, new int[] {request.length});
        requests.put(head, request);
        replies.put(head, in);
    }

    @Test
    void getVringBaseWaitsForTheRequestInFlight() throws Exception {
        for (int poolSize : new int[] {0, 2}) {
            EchoDevice device = new EchoDevice(1);
            try (BackendRunner backend = BackendRunner.start(device, poolSize);
                    VhostUserFrontend frontend = backend.connect(FrontendOptions.defaults())) {
                DriverQueue queue = frontend.queue(0);
                device.closeGate();
                submitEcho(frontend, queue, bytes(10, 1), new HashMap<>(), new HashMap<>());
                queue.kick();
                assertTrue(device.awaitEntered(1, 10, TimeUnit.SECONDS));
                frontend.send(Request.GET_VRING_BASE, VhostUserFrontend.vringState(0, 0));
                assertFalse(frontend.replyPending(SHORT), "no reply while the request is in the device");
                device.openGate();
                Reply reply = frontend.readReply();
                assertEquals(Request.GET_VRING_BASE, reply.request());
                assertEquals(Header.VERSION | Header.REPLY, reply.flags());
                assertEquals(1, reply.payload().getInt(4), "next available index");
                assertEquals(1, queue.usedIdx(), "the chain was completed before the reply");
                assertNotNull(queue.pollUsed());

                // A stopped queue ignores kicks until restarted from the returned base.
                submitEcho(frontend, queue, bytes(10, 2), new HashMap<>(), new HashMap<>());
                queue.kick();
                assertNull(queue.awaitUsed(SHORT));
                frontend.restartQueue(0, 1);
                assertNotNull(queue.awaitUsed(TIMEOUT), "the chain left in the ring is served after the restart");
                byte[] request = bytes(33, 3);
                assertArrayEquals(EchoDevice.expectedReply(request, 33), frontend.roundTrip(0, request, 33, TIMEOUT));
            }
        }
    }

    @Test
    void disconnectWithARequestInFlightStopsCleanly() throws Exception {
        EchoDevice device = new EchoDevice(1);
        try (BackendRunner backend = BackendRunner.start(device, 0)) {
            VhostUserFrontend frontend = backend.connect(FrontendOptions.defaults());
            device.closeGate();
            submitEcho(frontend, frontend.queue(0), bytes(10, 1), new HashMap<>(), new HashMap<>());
            frontend.queue(0).kick();
            assertTrue(device.awaitEntered(1, 10, TimeUnit.SECONDS));
            frontend.close();
            assertFalse(backend.awaitServed(SHORT), "serve() waits for the request in the device");
            device.openGate();
            assertTrue(backend.awaitServed(TIMEOUT));
            assertNull(backend.failure());
            assertEquals(1, device.resets());
        }
    }

    @Test
    void ringsStartDisabledWithProtocolFeaturesUntilEnabled() throws Exception {
        EchoDevice device = new EchoDevice(1);
        try (BackendRunner backend = BackendRunner.start(device, 0);
                VhostUserFrontend frontend = backend.connect(FrontendOptions.defaults())) {
            DriverQueue queue = frontend.queue(0);
            assertEquals(0, frontend.sendExpectingAck(Request.SET_VRING_ENABLE, VhostUserFrontend.vringState(0, 0)));
            submitEcho(frontend, queue, bytes(10, 1), new HashMap<>(), new HashMap<>());
            queue.kick();
            assertNull(queue.awaitUsed(SHORT), "a disabled ring is not served");
            assertEquals(0, frontend.sendExpectingAck(Request.SET_VRING_ENABLE, VhostUserFrontend.vringState(0, 1)));
            assertNotNull(queue.awaitUsed(TIMEOUT), "enabling serves what arrived meanwhile");
        }
    }

    @Test
    void resetDeviceStopsRingsAndResetsTheDevice() throws Exception {
        EchoDevice device = new EchoDevice(1);
        try (BackendRunner backend = BackendRunner.start(device, 0);
                VhostUserFrontend frontend = backend.connect(FrontendOptions.defaults())) {
            frontend.roundTrip(0, new byte[] {1}, 1, TIMEOUT);
            assertEquals(0, frontend.sendExpectingAck(Request.RESET_DEVICE, ByteBuffer.allocate(0)));
            assertEquals(1, device.resets());
            submitEcho(frontend, frontend.queue(0), bytes(10, 1), new HashMap<>(), new HashMap<>());
            frontend.queue(0).kick();
            assertNull(frontend.queue(0).awaitUsed(SHORT));
        }
    }
}
