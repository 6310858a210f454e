package dev.jvirtiofsd.daemon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.jvirtiofsd.vhostuser.frontend.DriverQueue;
import dev.jvirtiofsd.vhostuser.frontend.FrontendOptions;
import dev.jvirtiofsd.vhostuser.frontend.UsedElement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A guest kernel that writes garbage into the request queue: the real daemon returns each bad
 * chain unanswered (used length 0) and goes on serving the well-formed requests after it.
 */
class HostileRingEndToEndTest {
    static final int NEXT = DriverQueue.DESC_F_NEXT;
    static final int WRITE = DriverQueue.DESC_F_WRITE;
    static final int INDIRECT = DriverQueue.DESC_F_INDIRECT;

    @TempDir
    Path tmp;
    RunningDaemon daemon;
    FuseTestClient fuse;
    DriverQueue q;

    @BeforeEach
    void start() throws Exception {
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        daemon = RunningDaemon.start(shared, tmp.resolve("vfs.sock"), FrontendOptions.defaults());
        fuse = new FuseTestClient(daemon.frontend);
        fuse.init().ok();
        q = daemon.frontend.queue(FuseTestClient.REQUEST_QUEUE);
    }

    @AfterEach
    void stop() {
        daemon.close();
    }

    /** Publishes {@code head}, kicks, and expects it back unanswered; then a good request works. */
    private void expectRejectedAndStillServing(int head, int... descriptors) throws Exception {
        q.putAvail(head);
        q.kick();
        UsedElement used = q.awaitUsed(Duration.ofSeconds(10));
        assertNotNull(used, "the bad chain comes back to the guest");
        assertEquals(head, used.head());
        assertEquals(0, used.length(), "nothing written for a bad chain");
        for (int d : descriptors) {
            q.freeDescriptor(d);
        }
        fuse.getattr(1).ok();
    }

    private long buffer(int bytes) {
        return daemon.frontend.alloc(bytes);
    }

    @Test
    void chainThatLoops() throws Exception {
        int a = q.allocDescriptor();
        int b = q.allocDescriptor();
        q.writeDescriptor(a, buffer(64), 64, NEXT, b);
        q.writeDescriptor(b, buffer(64), 64, NEXT | WRITE, a);
        expectRejectedAndStillServing(a, a, b);
    }

    @Test
    void bufferOutsideGuestMemory() throws Exception {
        int a = q.allocDescriptor();
        int b = q.allocDescriptor();
        q.writeDescriptor(a, daemon.frontend.memoryBytes() + 4096, 64, NEXT, b);
        q.writeDescriptor(b, buffer(4096), 4096, WRITE, 0);
        expectRejectedAndStillServing(a, a, b);
    }

    @Test
    void lengthThatWrapsTheAddressSpace() throws Exception {
        int a = q.allocDescriptor();
        int b = q.allocDescriptor();
        q.writeDescriptor(a, -4096L, 8192, NEXT, b);
        q.writeDescriptor(b, buffer(4096), 4096, WRITE, 0);
        expectRejectedAndStillServing(a, a, b);
    }

    @Test
    void nextIndexBeyondTheQueue() throws Exception {
        int a = q.allocDescriptor();
        q.writeDescriptor(a, buffer(64), 64, NEXT, q.size() + 5);
        expectRejectedAndStillServing(a, a);
    }

    @Test
    void indirectTableInsideAnIndirectTable() throws Exception {
        long inner = buffer(32);
        long outer = buffer(32);
        // outer table: one INDIRECT entry pointing at another table
        daemon.frontend.writeDescriptor(outer, inner, 32, INDIRECT, 0);
        daemon.frontend.writeDescriptor(outer + 16, buffer(64), 64, WRITE, 0);
        daemon.frontend.writeDescriptor(inner, buffer(64), 64, 0, 0);
        int a = q.allocDescriptor();
        q.writeDescriptor(a, outer, 32, INDIRECT, 0);
        expectRejectedAndStillServing(a, a);
    }

    @Test
    void writableBeforeReadable() throws Exception {
        int a = q.allocDescriptor();
        int b = q.allocDescriptor();
        q.writeDescriptor(a, buffer(4096), 4096, NEXT | WRITE, b);
        q.writeDescriptor(b, buffer(64), 64, 0, 0);
        expectRejectedAndStillServing(a, a, b);
    }

    @Test
    void noWritableBufferForTheReply() throws Exception {
        byte[] request = fuse.encode(dev.jvirtiofsd.protocol.Opcode.GETATTR, 1,
                FuseTestClient.args().u32(0).u32(0).u64(0));
        long out = buffer(request.length);
        daemon.frontend.buffer(out, request.length).put(request);
        int a = q.allocDescriptor();
        q.writeDescriptor(a, out, request.length, 0, 0);
        expectRejectedAndStillServing(a, a);
    }
}
