package dev.jvirtiofsd.vhostuser;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvirtiofsd.vhostuser.frontend.FrontendOptions;
import dev.jvirtiofsd.vhostuser.frontend.PostedRequest;
import dev.jvirtiofsd.vhostuser.frontend.VhostUserFrontend;
import dev.jvirtiofsd.vhostuser.testing.BackendRunner;
import dev.jvirtiofsd.vhostuser.testing.EchoDevice;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Chains a device keeps past process() and completes later: the queue serves other chains
 * meanwhile, the pending chain is never handed out again, and stopping or disconnecting cancels
 * it through the device's handler before the queue's state is reported.
 */
class DeferredCompletionTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final byte[] CANCELLED = {'C'};

    /**
     * Echoes like {@link EchoDevice}, except requests starting with 'D', which it defers; a
     * cancelled one is answered "C". {@link #finish} answers a deferred one by echoing what its
     * chain holds at that moment (which shows the chain was not reused meanwhile).
     */
    static final class DeferringDevice extends EchoDevice {
        final BlockingQueue<DeferredCompletion> deferred = new LinkedBlockingQueue<>();
        final AtomicInteger cancelled = new AtomicInteger();
        volatile boolean withCancelHandler = true;

        DeferringDevice() {
            super(1);
        }

        @Override
        public int process(int queueIndex, DescriptorChain chain) {
            ByteBuffer first = ByteBuffer.allocate(1);
            chain.read(0, first);
            if (first.get(0) != 'D') {
                return super.process(queueIndex, chain);
            }
            DeferredCompletion d = chain.defer();
            if (withCancelHandler) {
                d.onCancel(() -> {
                    cancelled.incrementAndGet();
                    int n = d.chain().write(0, ByteBuffer.wrap(CANCELLED));
                    d.complete(n);
                });
            }
            deferred.add(d);
            return VirtioDevice.DEFERRED;
        }

        DeferredCompletion next() throws InterruptedException {
            DeferredCompletion d = deferred.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            assertNotNull(d, "the device deferred no chain");
            return d;
        }

        static boolean finish(DeferredCompletion d) {
            DescriptorChain chain = d.chain();
            ByteBuffer request = ByteBuffer.allocate((int) chain.readableBytes());
            chain.read(0, request);
            byte[] reply = EchoDevice.expectedReply(request.array(), (int) chain.writableBytes());
            int n = chain.write(0, ByteBuffer.wrap(reply));
            return d.complete(n);
        }
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest(name = "thread pool size {0}")
    @ValueSource(ints = {0, 2})
    void otherChainsAreServedWhileOneIsPendingAndItCompletesLater(int poolSize) throws Exception {
        DeferringDevice device = new DeferringDevice();
        // A small queue: the pending chain's descriptors and pool slot stay taken throughout.
        FrontendOptions options = FrontendOptions.defaults().withQueueSize(4);
        try (BackendRunner backend = BackendRunner.start(device, poolSize);
                VhostUserFrontend frontend = backend.connect(options)) {
            byte[] held = text("D: held back");
            PostedRequest posted = frontend.post(0, held, 64);
            DeferredCompletion d = device.next();
            assertEquals(0, d.queueIndex());
            for (int i = 0; i < 20; i++) {
                byte[] request = text("echo " + i);
                assertArrayEquals(EchoDevice.expectedReply(request, 64), frontend.roundTrip(0, request, 64, TIMEOUT));
            }
            assertFalse(posted.isDone(), "the deferred chain is not returned before the device completes it");
            assertFalse(d.isCompleted());

            Thread other = new Thread(() -> DeferringDevice.finish(d));
            other.start();
            other.join();
            assertArrayEquals(EchoDevice.expectedReply(held, 64), posted.await(TIMEOUT),
                    "the chain still holds its own request: it was not handed out again while pending");
            assertTrue(d.isCompleted());
            assertFalse(d.complete(0), "a chain completes once");

            byte[] after = text("after");
            assertArrayEquals(EchoDevice.expectedReply(after, 64), frontend.roundTrip(0, after, 64, TIMEOUT));
        }
    }

    @Test
    void getVringBaseCancelsAPendingChainAndReportsItConsumed() throws Exception {
        DeferringDevice device = new DeferringDevice();
        try (BackendRunner backend = BackendRunner.start(device, 0);
                VhostUserFrontend frontend = backend.connect(FrontendOptions.defaults())) {
            frontend.roundTrip(0, text("one"), 16, TIMEOUT);
            PostedRequest posted = frontend.post(0, text("D: waits"), 16);
            DeferredCompletion d = device.next();

            int base = frontend.getVringBase(0);

            assertEquals(2, base, "both chains were consumed");
            assertEquals(1, device.cancelled.get());
            assertTrue(d.isCompleted());
            assertTrue(posted.isDone(), "the cancelled chain is in the used ring when GET_VRING_BASE answers");
            assertArrayEquals(CANCELLED, posted.await(TIMEOUT));
            assertFalse(DeferringDevice.finish(d), "completing after the cancellation has no effect");

            frontend.restartQueue(0, base);
            byte[] request = text("restarted");
            assertArrayEquals(EchoDevice.expectedReply(request, 64), frontend.roundTrip(0, request, 64, TIMEOUT));
        }
    }

    @Test
    void aChainWithoutCancelHandlerIsReturnedEmptyWhenTheQueueStops() throws Exception {
        DeferringDevice device = new DeferringDevice();
        device.withCancelHandler = false;
        try (BackendRunner backend = BackendRunner.start(device, 2);
                VhostUserFrontend frontend = backend.connect(FrontendOptions.defaults())) {
            PostedRequest posted = frontend.post(0, text("D: forgotten"), 16);
            DeferredCompletion d = device.next();
            assertEquals(1, frontend.getVringBase(0));
            assertTrue(d.isCompleted());
            assertArrayEquals(new byte[0], posted.await(TIMEOUT));
        }
    }

    @Test
    void disconnectCancelsPendingChainsBeforeTheDeviceIsReset() throws Exception {
        DeferringDevice device = new DeferringDevice();
        try (BackendRunner backend = BackendRunner.start(device, 0)) {
            DeferredCompletion first;
            DeferredCompletion second;
            try (VhostUserFrontend frontend = backend.connect(FrontendOptions.defaults())) {
                frontend.post(0, text("D: one"), 16);
                frontend.post(0, text("D: two"), 16);
                first = device.next();
                second = device.next();
            }
            assertTrue(backend.awaitServed(TIMEOUT));
            assertNull(backend.failure());
            assertEquals(2, device.cancelled.get());
            assertTrue(first.isCompleted());
            assertTrue(second.isCompleted());
            assertEquals(1, device.resets());
        }
    }

    @Test
    void onlyAChainBeingProcessedCanBeDeferred() {
        assertThrows(IllegalStateException.class, () -> new DescriptorChain().defer());
    }
}
