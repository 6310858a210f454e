package dev.jvirtiofsd.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jvirtiofsd.daemon.e2e.FuseTestClient;
import dev.jvirtiofsd.vhostuser.frontend.VhostUserFrontend;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The daemon as a user or libvirt starts it: through bin/jvirtiofsd, as a separate process,
 * served over its socket by the vhost-user frontend. Checks the launcher passes arguments and
 * inherited fds through, the chroot sandbox, exit statuses and socket clean-up.
 */
class LauncherTest {
    static final int S_IFREG = 0100000;

    @TempDir
    Path tmp;

    static Path repo() {
        return Path.of(System.getProperty("jvirtiofsd.repo", "..")).toAbsolutePath().normalize();
    }

    static Path launcher() {
        return repo().resolve("bin/jvirtiofsd");
    }

    /** JDKs to run the daemon on: the default one, and Temurin 25 where it is installed. */
    static Stream<String> javaHomes() {
        List<String> homes = new ArrayList<>();
        homes.add("");
        Path temurin = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64");
        if (Files.isExecutable(temurin.resolve("bin/java"))) {
            homes.add(temurin.toString());
        }
        return homes.stream();
    }

    private Process start(String javaHome, List<String> command) throws IOException {
        return LaunchedDaemon.start(command, javaHome, tmp.resolve("daemon.log"));
    }

    private String log() {
        return LaunchedDaemon.log(tmp.resolve("daemon.log"));
    }

    private int awaitExit(Process p) throws Exception {
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "daemon exits by itself");
        return p.exitValue();
    }

    @ParameterizedTest(name = "JAVA_HOME={0}")
    @MethodSource("javaHomes")
    void chrootSandboxServesTheShareAndExitsZeroWhenTheFrontendLeaves(String javaHome) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "chroot needs root");
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Files.writeString(shared.resolve("from-host"), "host data");
        Path socket = tmp.resolve("vfs.sock");
        Process p = start(javaHome, List.of(launcher().toString(), "--socket-path=" + socket,
                "--shared-dir=" + shared, "--sandbox=chroot", "--log-level=debug"));
        try {
            LaunchedDaemon.awaitSocket(socket, p, tmp.resolve("daemon.log"));
            try (VhostUserFrontend frontend = LaunchedDaemon.connect(socket, p, tmp.resolve("daemon.log"))) {
                FuseTestClient fuse = new FuseTestClient(frontend);
                fuse.init().ok();
                // chroot: the process's root is the shared directory.
                Path root = Path.of("/proc/" + p.pid() + "/root").toRealPath();
                assertEquals(shared.toRealPath(), root);
                assertEquals(9, fuse.lookup(1, "from-host").body().getLong(FuseTestClient.ENTRY_ATTR + 8));
                FuseTestClient.Reply c = fuse.create(1, "from-guest", S_IFREG | 0644, 2);
                long node = FuseTestClient.nodeId(c);
                long fh = FuseTestClient.fh(c, 128);
                byte[] data = "guest data".getBytes(StandardCharsets.UTF_8);
                fuse.write(node, fh, 0, data).ok();
                fuse.release(dev.jvirtiofsd.protocol.Opcode.RELEASE, node, fh).ok();
                assertArrayEquals(data, Files.readAllBytes(shared.resolve("from-guest")));
                assertEquals(1, FuseTestClient.nodeId(fuse.lookup(1, "..")), "'..' at the root");
                assertFalse(Files.exists(socket), "one frontend only: the socket is gone once it connected");
            }
            assertEquals(0, awaitExit(p), this::log);
            assertTrue(log().contains("Client disconnected, shutting down"), this::log);
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void inheritedListeningFdIsUsedAsLibvirtPassesIt() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 creates the inherited socket");
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Path socket = tmp.resolve("libvirt.sock");
        // As libvirt does: bind and listen, then exec the daemon with the fd inherited as --fd=N.
        String py = "import os,socket,sys\n"
                + "s=socket.socket(socket.AF_UNIX,socket.SOCK_STREAM); s.bind(sys.argv[1]); s.listen(1)\n"
                + "os.set_inheritable(s.fileno(), True)\n"
                + "os.execv(sys.argv[2], [sys.argv[2], '--fd=%d' % s.fileno()] + sys.argv[3:])\n";
        Process p = start("", List.of("/usr/bin/python3", "-c", py, socket.toString(), launcher().toString(),
                "--shared-dir", shared.toString(), "--sandbox", "none", "--cache", "never"));
        try {
            LaunchedDaemon.awaitSocket(socket, p, tmp.resolve("daemon.log"));
            try (VhostUserFrontend frontend = LaunchedDaemon.connect(socket, p, tmp.resolve("daemon.log"))) {
                FuseTestClient fuse = new FuseTestClient(frontend);
                fuse.init().ok();
                fuse.mkdir(1, "made-through-fd", 0040755).ok();
                assertTrue(Files.isDirectory(shared.resolve("made-through-fd")));
            }
            assertEquals(0, awaitExit(p), this::log);
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void badOptionValueExitsNonZeroWithAOneLineReason() throws Exception {
        Process p = start("", List.of(launcher().toString(), "--shared-dir", tmp.toString(), "--fd", "3",
                "--cache", "sometimes"));
        assertNotEquals(0, awaitExit(p));
        String out = log().strip();
        assertTrue(out.startsWith("error: ") && out.contains("--cache"), out);
    }

    @Test
    void sigtermBeforeAnyFrontendLeavesNoSocketBehind() throws Exception {
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Path socket = tmp.resolve("vfs.sock");
        Process p = start("", List.of(launcher().toString(), "--socket-path", socket.toString(),
                "--shared-dir", shared.toString(), "--sandbox", "none"));
        try {
            LaunchedDaemon.awaitSocket(socket, p, tmp.resolve("daemon.log"));
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(10, TimeUnit.SECONDS), "exits promptly on SIGTERM");
            assertFalse(Files.exists(socket), "socket removed");
        } finally {
            p.destroyForcibly();
        }
    }

}
