package dev.jvirtiofsd.vhostuser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jvirtiofsd.vhostuser.frontend.FrontendOptions;
import dev.jvirtiofsd.vhostuser.frontend.VhostUserFrontend;
import dev.jvirtiofsd.vhostuser.message.Header;
import dev.jvirtiofsd.vhostuser.sys.EventFd;
import dev.jvirtiofsd.vhostuser.sys.Fds;
import dev.jvirtiofsd.vhostuser.testing.BackendRunner;
import dev.jvirtiofsd.vhostuser.testing.EchoDevice;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Fuzzes the backend's message handling: after a normal set-up (memory, rings, kicks), a frontend
 * sends a few messages of any code, flags, payload and attached fds (memfds and eventfds), or raw
 * bytes that need not even hold a header. Whatever arrives, the backend only ever fails with an
 * {@link IOException} (broken framing ends the connection), returns promptly once the frontend
 * hangs up, and leaves no fd open behind it.
 *
 * <p>Without {@code JAZZER_FUZZ} this replays the committed inputs in {@code
 * VhostUserMessageFuzzTestInputs/}; {@code mvn verify} fuzzes it for a minute.
 */
class VhostUserMessageFuzzTest {
    private static final Duration HANG_LIMIT = Duration.ofSeconds(20);
    private static final int MAX_MESSAGES = 6;
    /** Message codes up to a little past the last one defined (40), and a few random ones. */
    private static final int HIGHEST_CODE = 42;

    @FuzzTest(maxDuration = "60s")
    void backendSurvivesAnyMessage(FuzzedDataProvider data) throws Exception {
        int fdsBefore = openFds();
        EchoDevice device = new EchoDevice(2);
        BackendRunner backend = BackendRunner.start(device, data.consumeBoolean() ? 0 : 2);
        try {
            VhostUserFrontend frontend = backend.connect(FrontendOptions.defaults().withQueues(1).withQueueSize(8));
            try {
                int messages = data.consumeInt(1, MAX_MESSAGES);
                for (int i = 0; i < messages && data.remainingBytes() > 0; i++) {
                    if (!sendOne(frontend, data)) {
                        break;
                    }
                }
            } finally {
                frontend.close();
            }
            assertTrue(backend.awaitServed(HANG_LIMIT), "the backend returns once the frontend hangs up");
            Throwable failure = backend.failure();
            if (failure != null && !(failure instanceof IOException)) {
                throw new AssertionError("the backend failed with " + failure, failure);
            }
        } finally {
            backend.close();
        }
        assertEquals(fdsBefore, openFds(), "fds left open by the backend");
    }

    /** Sends one message built from {@code data}; false once the backend has hung up. */
    private static boolean sendOne(VhostUserFrontend frontend, FuzzedDataProvider data) throws Exception {
        boolean raw = data.consumeInt(0, 7) == 0;
        int request = data.consumeInt(0, 15) == 0 ? data.consumeInt() : data.consumeInt(0, HIGHEST_CODE);
        int flags = data.consumeInt(0, 7) == 0 ? data.consumeInt()
                : Header.VERSION | (data.consumeBoolean() ? Header.NEED_REPLY : 0);
        byte[] payload = data.consumeBytes(data.consumeInt(0, 320));
        int[] fds = new int[data.consumeInt(0, 3)];
        for (int i = 0; i < fds.length; i++) {
            fds[i] = data.consumeBoolean() ? Fds.memfdCreate("fuzz", 4096L * data.consumeInt(1, 4)) : EventFd.newFd();
        }
        try {
            if (raw) {
                frontend.sendRaw(ByteBuffer.wrap(payload), fds);
            } else {
                frontend.sendMessage(request, flags, ByteBuffer.wrap(payload), fds);
            }
            return true;
        } catch (IOException hungUp) {
            return false;
        } finally {
            // The kernel gave the backend its own copies; ours go.
            for (int fd : fds) {
                Fds.closeQuietly(fd);
            }
        }
    }

    /** Open sockets, eventfds, epoll fds and memfds: what a connection owns (jar files the JVM opens do not count). */
    private static int openFds() {
        int count = 0;
        for (String fd : Objects.requireNonNull(new File("/proc/self/fd").list())) {
            try {
                String target = Files.readSymbolicLink(Path.of("/proc/self/fd", fd)).toString();
                if (target.startsWith("socket:") || target.startsWith("anon_inode:") || target.startsWith("/memfd:")) {
                    count++;
                }
            } catch (IOException closedMeanwhile) {
                // Not open any more: not counted.
            }
        }
        return count;
    }
}
