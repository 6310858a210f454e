package dev.jvirtiofsd.vhostuser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvirtiofsd.vhostuser.frontend.DriverQueue;
import dev.jvirtiofsd.vhostuser.frontend.FrontendOptions;
import dev.jvirtiofsd.vhostuser.frontend.UsedElement;
import dev.jvirtiofsd.vhostuser.frontend.VhostUserFrontend;
import dev.jvirtiofsd.vhostuser.message.Payload;
import dev.jvirtiofsd.vhostuser.message.Request;
import dev.jvirtiofsd.vhostuser.sys.EventFd;
import dev.jvirtiofsd.vhostuser.sys.Fds;
import dev.jvirtiofsd.vhostuser.sys.NativeMemory;
import dev.jvirtiofsd.vhostuser.testing.BackendRunner;
import dev.jvirtiofsd.vhostuser.testing.EchoDevice;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Which completions signal the call eventfd, and when the device asks to be kicked. */
class NotificationTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** Submits a one-byte echo request, kicks, and waits (polling, not on the call fd) until it is used. */
    private static void requestWithoutWaitingOnCalls(VhostUserFrontend frontend, DriverQueue queue) throws Exception {
        long out = frontend.alloc(1);
        long in = frontend.alloc(1);
        int before = queue.usedIdx();
        queue.submit(new long[] {out}, new int[] {1}, new long[] {in}, new int[] {1});
        queue.kick();
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (queue.usedIdx() == before) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("request not completed");
            }
            Thread.sleep(1);
        }
        assertNotNull(queue.pollUsed());
    }

    /**
     * Waits until the worker asks for kicks again, i.e. has finished its pass over the ring and
     * sent whatever call signal that pass owed.
     */
    private static void awaitIdleWorker(DriverQueue queue, boolean eventIdx) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (eventIdx ? queue.availEvent() != queue.availIdx() : queue.usedFlags() != 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the worker never re-enabled notifications");
            }
            Thread.sleep(1);
        }
    }

    @Test
    void eventIdxSignalsOnlyWhenUsedEventIsPassed() throws Exception {
        for (int initial : new int[] {0, 65534}) {
            EchoDevice device = new EchoDevice(1);
            FrontendOptions options = FrontendOptions.defaults().withInitialIndex(initial);
            try (BackendRunner backend = BackendRunner.start(device, 0);
                    VhostUserFrontend frontend = backend.connect(options)) {
                DriverQueue queue = frontend.queue(0);
                frontend.roundTrip(0, new byte[] {1}, 1, TIMEOUT);
                awaitIdleWorker(queue, true);
                queue.takeCallCount();
                queue.setAutoUsedEvent(false);
                int used = queue.usedIdx();
                // Call me once the used index passes used + 2: after the third request.
                queue.setUsedEvent((used + 2) & 0xffff);
                requestWithoutWaitingOnCalls(frontend, queue);
                requestWithoutWaitingOnCalls(frontend, queue);
                requestWithoutWaitingOnCalls(frontend, queue);
                assertTrue(queue.awaitCallSignal(TIMEOUT), "the third completion signals");
                assertEquals(1, queue.takeCallCount(), "the first two did not");
            }
        }
    }

    @Test
    void noInterruptFlagSuppressesSignalsWithoutEventIdx() throws Exception {
        EchoDevice device = new EchoDevice(1);
        try (BackendRunner backend = BackendRunner.start(device, 0);
                VhostUserFrontend frontend = backend.connect(FrontendOptions.defaults().withEventIdx(false))) {
            DriverQueue queue = frontend.queue(0);
            queue.setAvailFlags(DriverQueue.AVAIL_F_NO_INTERRUPT);
            requestWithoutWaitingOnCalls(frontend, queue);
            requestWithoutWaitingOnCalls(frontend, queue);
            queue.setAvailFlags(0);
            requestWithoutWaitingOnCalls(frontend, queue);
            assertTrue(queue.awaitCallSignal(TIMEOUT));
            assertEquals(1, queue.takeCallCount(), "only the completion with interrupts enabled signalled");
        }
    }

    @Test
    void withoutEventIdxEveryCompletionSignalsByDefault() throws Exception {
        EchoDevice device = new EchoDevice(1);
        try (BackendRunner backend = BackendRunner.start(device, 0);
                VhostUserFrontend frontend = backend.connect(FrontendOptions.defaults().withEventIdx(false))) {
            DriverQueue queue = frontend.queue(0);
            requestWithoutWaitingOnCalls(frontend, queue);
            requestWithoutWaitingOnCalls(frontend, queue);
            assertTrue(queue.awaitCallSignal(TIMEOUT));
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            long calls = 0;
            while (calls < 2 && System.nanoTime() < deadline) {
                calls += queue.takeCallCount();
                Thread.sleep(1);
            }
            assertEquals(2, calls);
        }
    }

    @Test
    void chainsAvailableTogetherAreAnsweredWithFewerSignals() throws Exception {
        // Without EVENT_IDX and with interrupts enabled, the driver wants a signal for every
        // completion; the worker still signals once per drained batch (at most 16 completions).
        int chains = 40;
        EchoDevice device = new EchoDevice(1);
        try (BackendRunner backend = BackendRunner.start(device, 0);
                VhostUserFrontend frontend = backend.connect(FrontendOptions.defaults().withEventIdx(false))) {
            DriverQueue queue = frontend.queue(0);
            frontend.roundTrip(0, new byte[] {1}, 1, TIMEOUT);
            // roundTrip may or may not have consumed that reply's signal; once the worker has
            // re-enabled notifications it has signalled, and the count can be reset.
            awaitIdleWorker(queue, false);
            queue.takeCallCount();
            int before = queue.usedIdx();
            for (int i = 0; i < chains; i++) {
                long out = frontend.alloc(1);
                long in = frontend.alloc(1);
                NativeMemory.putByte(frontend.localAddress(out, 1), (byte) i);
                queue.submit(new long[] {out}, new int[] {1}, new long[] {in}, new int[] {1});
            }
            queue.kick();
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (((queue.usedIdx() - before) & 0xffff) < chains) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("not every chain was answered");
                }
                Thread.sleep(1);
            }
            for (int i = 0; i < chains; i++) {
                UsedElement used = queue.pollUsed();
                assertNotNull(used);
                assertEquals(1, used.length(), "every reply arrives");
            }
            assertTrue(queue.awaitCallSignal(TIMEOUT), "the batch is signalled");
            long calls = queue.takeCallCount();
            assertTrue(calls >= 1 && calls <= chains / Vring.MAX_UNSIGNALLED + 1,
                    calls + " call signals for " + chains + " chains");
            assertEquals(chains + 1, device.processed());
        }
    }

    @Test
    void callFdCanBeRemovedAndReplaced() throws Exception {
        EchoDevice device = new EchoDevice(1);
        try (BackendRunner backend = BackendRunner.start(device, 0);
                VhostUserFrontend frontend = backend.connect(FrontendOptions.defaults().withEventIdx(false))) {
            DriverQueue queue = frontend.queue(0);
            assertEquals(0, frontend.sendExpectingAck(Request.SET_VRING_CALL, VhostUserFrontend.u64(Payload.VRING_NO_FD)));
            requestWithoutWaitingOnCalls(frontend, queue);
            int other = EventFd.newFd();
            try {
                assertEquals(0, frontend.sendExpectingAck(Request.SET_VRING_CALL, VhostUserFrontend.u64(0), other));
                requestWithoutWaitingOnCalls(frontend, queue);
                assertTrue(Fds.awaitReadable(other, (int) TIMEOUT.toMillis()), "the new call fd is signalled");
                assertEquals(0, queue.takeCallCount(), "neither request signalled the old call fd");
            } finally {
                Fds.closeQuietly(other);
            }
        }
    }

    @Test
    void busyDeviceDoesNotWantKicksAndServesWhatArrivedMeanwhile() throws Exception {
        for (boolean eventIdx : new boolean[] {true, false}) {
            EchoDevice device = new EchoDevice(1);
            try (BackendRunner backend = BackendRunner.start(device, 0);
                    VhostUserFrontend frontend = backend.connect(FrontendOptions.defaults().withEventIdx(eventIdx))) {
                DriverQueue queue = frontend.queue(0);
                frontend.roundTrip(0, new byte[] {1}, 1, TIMEOUT);
                // The worker re-enables notifications just after publishing the reply.
                long deadline = System.nanoTime() + TIMEOUT.toNanos();
                while (!(eventIdx ? queue.availEvent() == queue.availIdx() : queue.usedFlags() == 0)
                        && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
                if (eventIdx) {
                    assertEquals(queue.availIdx(), queue.availEvent(), "idle device wants a kick for the next chain");
                } else {
                    assertEquals(0, queue.usedFlags(), "idle device wants kicks");
                }
                device.closeGate();
                long buffer = frontend.alloc(2);
                queue.submit(new long[] {buffer}, new int[] {1}, new long[] {buffer + 1}, new int[] {1});
                assertTrue(queue.kickIfNeeded());
                assertTrue(device.awaitEntered(2, 10, TimeUnit.SECONDS));
                if (!eventIdx) {
                    assertEquals(DriverQueue.USED_F_NO_NOTIFY, queue.usedFlags(), "busy device asks for no kicks");
                }
                queue.submit(new long[] {buffer}, new int[] {1}, new long[] {buffer + 1}, new int[] {1});
                assertFalse(queue.kickIfNeeded(), "no kick needed while the device is busy");
                device.openGate();
                assertNotNull(queue.awaitUsed(TIMEOUT));
                assertNotNull(queue.awaitUsed(TIMEOUT), "the second chain is served without a kick");
            }
        }
    }
}
