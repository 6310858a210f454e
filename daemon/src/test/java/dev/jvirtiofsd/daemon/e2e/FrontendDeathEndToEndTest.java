package dev.jvirtiofsd.daemon.e2e;

import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.args;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.fh;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.nodeId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.jvirtiofsd.protocol.Opcode;
import dev.jvirtiofsd.vhostuser.frontend.FrontendOptions;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * QEMU dying mid-request, in process so the daemon's fds can be counted: the frontend posts
 * 1 MiB writes, reads and fsyncs and hangs up without waiting for them. The daemon must exit 0
 * and close every fd it opened: sockets, eventfds, epoll fds, guest memory, files of the share.
 */
class FrontendDeathEndToEndTest {
    private static final int S_IFREG = 0100000;
    private static final int O_RDWR = 2;
    private static final int BLOCK = 1 << 20;

    private static boolean warmedUp;

    @TempDir
    Path tmp;

    /** The fds a daemon owns, by kind (sockets, anonymous inodes, memfds, files under {@code tmp}). */
    private Map<String, Integer> daemonKindsOfFds() {
        Map<String, Integer> kinds = new TreeMap<>();
        for (String fd : Objects.requireNonNull(new File("/proc/self/fd").list())) {
            String target;
            try {
                target = Files.readSymbolicLink(Path.of("/proc/self/fd", fd)).toString();
            } catch (IOException closedMeanwhile) {
                continue;
            }
            String kind = target.startsWith("socket:") ? "socket " + unixSocketPath(target)
                    : target.startsWith("anon_inode:") ? target
                    : target.startsWith("/memfd:") ? "memfd"
                    : target.startsWith(tmp.toString()) ? "shared file " + target
                    : null;
            if (kind != null) {
                kinds.merge(kind, 1, Integer::sum);
            }
        }
        return kinds;
    }

    /** The path a Unix socket is bound to (from /proc/net/unix), or "" if none. */
    private static String unixSocketPath(String target) {
        String inode = target.substring("socket:[".length(), target.length() - 1);
        try {
            for (String line : Files.readAllLines(Path.of("/proc/net/unix"))) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 7 && f[6].equals(inode)) {
                    return f.length >= 8 ? f[7] : "(unbound)";
                }
            }
        } catch (IOException e) {
            return "";
        }
        return "(not unix)";
    }

    @ParameterizedTest(name = "thread pool {0}")
    @ValueSource(ints = {0, 4})
    void frontendHangingUpWithRequestsInFlightLeavesNoFdOpen(int threadPool) throws Exception {
        // The first daemon in a JVM leaves one unbound Unix socket open for the rest of the process
        // (opened once, never again per connection): count from a second daemon on.
        if (!warmedUp) {
            hangUpMidRequest(Files.createDirectory(tmp.resolve("warm-up")), threadPool);
            warmedUp = true;
        }
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Map<String, Integer> before = daemonKindsOfFds();
        hangUpMidRequest(shared, threadPool);
        assertFalse(Files.exists(tmp.resolve("vfs.sock")), "socket removed");
        // Workers close their fds on their way out; give them the moment the exit status does not wait for.
        Map<String, Integer> after = daemonKindsOfFds();
        for (int i = 0; i < 100 && !after.equals(before); i++) {
            TimeUnit.MILLISECONDS.sleep(50);
            after = daemonKindsOfFds();
        }
        assertEquals(before, after, "fds left open");
    }

    private void hangUpMidRequest(Path shared, int threadPool) throws Exception {
        RunningDaemon daemon = RunningDaemon.start(shared, tmp.resolve("vfs.sock"), FrontendOptions.defaults(),
                "--thread-pool-size=" + threadPool);
        try {
            FuseTestClient fuse = new FuseTestClient(daemon.frontend);
            fuse.init().ok();
            FuseTestClient.Reply created = fuse.create(1, "busy", S_IFREG | 0644, O_RDWR);
            long node = nodeId(created);
            long fh = fh(created, 128);
            fuse.opendir(1).ok();
            fuse.open(node, O_RDWR).ok();
            byte[] block = new byte[BLOCK];
            for (int i = 0; i < 8; i++) {
                daemon.frontend.post(FuseTestClient.REQUEST_QUEUE, fuse.encode(Opcode.WRITE, node,
                        args().u64(fh).u64((long) i * BLOCK).u32(BLOCK).u32(0).u64(0).u32(O_RDWR).u32(0).bytes(block)), 64);
                daemon.frontend.post(FuseTestClient.REQUEST_QUEUE, fuse.encode(Opcode.FSYNC, node,
                        args().u64(fh).u32(0).u32(0)), 64);
                daemon.frontend.post(FuseTestClient.REQUEST_QUEUE, fuse.encode(Opcode.READ, node,
                        args().u64(fh).u64(0).u32(BLOCK).u32(0).u64(0).u32(0).u32(0)), BLOCK + 16);
            }
            // Hang up at once, with the chains above still being served.
            assertEquals(0, daemon.disconnectAndWait());
        } finally {
            daemon.close();
        }
    }
}
