package dev.jvirtiofsd.daemon.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jvirtiofsd.protocol.Opcode;
import dev.jvirtiofsd.vhostuser.frontend.FrontendOptions;
import dev.jvirtiofsd.vhostuser.frontend.VhostUserFrontend;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several request queues, as QEMU's num-request-queues sets up and a Linux 6.11+ guest uses (one
 * per group of vCPUs): the daemon reports how many it serves and serves requests on each at once,
 * from a worker of each queue's own. (A queue beyond those is refused: vhost-user's
 * HostileMessageTest.)
 */
class MultiQueueEndToEndTest {
    static final int S_IFREG = 0100000;
    static final int REQUEST_QUEUES = 4;
    static final int ROUNDS = 200;

    @TempDir
    Path tmp;

    private static long workerThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("virtiofs-worker")).count();
    }

    /** On queue {@code queue}: create, write, read back, release and unlink files of its own. */
    private static Void work(VhostUserFrontend frontend, int queue, Path shared) throws Exception {
        FuseTestClient fuse = new FuseTestClient(frontend, queue);
        for (int i = 0; i < ROUNDS; i++) {
            String name = "q" + queue + "-" + i;
            byte[] data = (name + " data").getBytes(StandardCharsets.UTF_8);
            FuseTestClient.Reply c = fuse.create(1, name, S_IFREG | 0644, 2);
            c.ok();
            long node = FuseTestClient.nodeId(c);
            long fh = FuseTestClient.fh(c, 128);
            fuse.write(node, fh, 0, data).ok();
            FuseTestClient.Reply r = fuse.read(node, fh, 0, 4096);
            r.ok();
            byte[] back = new byte[r.body().remaining()];
            r.body().get(back);
            assertArrayEquals(data, back, name);
            fuse.release(Opcode.RELEASE, node, fh).ok();
            assertArrayEquals(data, Files.readAllBytes(shared.resolve(name)), name);
            fuse.unlink(Opcode.UNLINK, 1, name).ok();
            fuse.forget(node, 1);
        }
        return null;
    }

    @Test
    void everyRequestQueueIsServedAtOnce() throws Exception {
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        long before = workerThreads();
        try (RunningDaemon d = RunningDaemon.start(shared, tmp.resolve("vfs.sock"),
                FrontendOptions.defaults().withQueues(1 + REQUEST_QUEUES))) {
            assertEquals(65, d.frontend.queueCount(), "GET_QUEUE_NUM: hiprio and 64 request queues");
            new FuseTestClient(d.frontend).init().ok();
            ExecutorService pool = Executors.newFixedThreadPool(REQUEST_QUEUES);
            try {
                List<Future<Void>> done = new ArrayList<>();
                for (int q = 1; q <= REQUEST_QUEUES; q++) {
                    int queue = q;
                    done.add(pool.submit(() -> work(d.frontend, queue, shared)));
                }
                for (Future<Void> f : done) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
            assertEquals(1 + REQUEST_QUEUES, workerThreads() - before, "one worker per started queue");
            try (var names = Files.list(shared)) {
                assertEquals(0, names.count(), "every file was unlinked");
            }
            assertEquals(0, d.disconnectAndWait());
        }
    }
}
