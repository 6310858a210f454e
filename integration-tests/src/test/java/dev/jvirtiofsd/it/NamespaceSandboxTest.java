package dev.jvirtiofsd.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jvirtiofsd.daemon.e2e.FuseTestClient;
import dev.jvirtiofsd.protocol.Opcode;
import dev.jvirtiofsd.vhostuser.frontend.VhostUserFrontend;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code --sandbox=namespace} seen from outside: bin/jvirtiofsd enters new mount, pid and network
 * namespaces before the JVM starts; the daemon (the launcher's child, PID 1 of its pid namespace)
 * makes the shared directory its root once a frontend is connected. Checks the process's root and
 * namespace links in /proc, the share through the frontend, exit statuses, SIGTERM passed on by
 * the launcher, socket clean-up and an inherited listening fd.
 */
class NamespaceSandboxTest {
    static final int S_IFREG = 0100000;
    static final List<String> NAMESPACES = List.of("mnt", "pid", "net");

    @TempDir
    Path tmp;

    @BeforeAll
    static void namespacesCanBeCreated() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "the namespace sandbox needs root");
        Process probe = new ProcessBuilder("unshare", "--mount", "--pid", "--net", "--fork", "--mount-proc", "true")
                .redirectErrorStream(true).start();
        assumeTrue(probe.waitFor(10, TimeUnit.SECONDS) && probe.exitValue() == 0, "namespaces can be created here");
    }

    static Stream<String> javaHomes() {
        return LauncherTest.javaHomes();
    }

    private Process start(String javaHome, List<String> command) throws IOException {
        return LaunchedDaemon.start(command, javaHome, tmp.resolve("daemon.log"));
    }

    private String log() {
        return LaunchedDaemon.log(tmp.resolve("daemon.log"));
    }

    private static String namespace(long pid, String kind) throws IOException {
        return Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/" + kind)).toString();
    }

    private static void assertInOwnNamespaces(ProcessHandle daemon) throws IOException {
        for (String kind : NAMESPACES) {
            assertNotEquals(Files.readSymbolicLink(Path.of("/proc/self/ns/" + kind)).toString(),
                    namespace(daemon.pid(), kind), kind + " namespace differs from the host's");
        }
    }

    private int awaitExit(Process p) throws Exception {
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "daemon exits by itself");
        return p.exitValue();
    }

    private static void assertGone(ProcessHandle daemon) throws Exception {
        daemon.onExit().get(10, TimeUnit.SECONDS);
        assertFalse(daemon.isAlive(), "no daemon process left");
    }

    @ParameterizedTest(name = "JAVA_HOME={0}")
    @MethodSource("javaHomes")
    void byDefaultAsRootTheShareIsTheRootOfNewNamespaces(String javaHome) throws Exception {
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Files.writeString(shared.resolve("from-host"), "host data");
        Path canary = Files.writeString(tmp.resolve("canary"), "outside");
        Path socket = tmp.resolve("vfs.sock");
        Process p = start(javaHome, List.of(LauncherTest.launcher().toString(), "--socket-path=" + socket,
                "--shared-dir=" + shared, "--log-level=debug"));
        try {
            LaunchedDaemon.awaitSocket(socket, p, tmp.resolve("daemon.log"));
            ProcessHandle daemon = LaunchedDaemon.daemonOf(p);
            assertInOwnNamespaces(daemon);
            try (VhostUserFrontend frontend = LaunchedDaemon.connect(socket, p, tmp.resolve("daemon.log"))) {
                FuseTestClient fuse = new FuseTestClient(frontend);
                fuse.init().ok();
                // Served after pivot_root: the daemon's root is the shared directory itself.
                assertTrue(Files.isSameFile(Path.of("/proc/" + daemon.pid() + "/root"), shared),
                        "/proc/PID/root is the shared directory");
                assertFalse(Files.exists(Path.of("/proc/" + daemon.pid() + "/root/" + tmp.getFileName())),
                        "nothing of the host's tree below the daemon's root");
                assertEquals(9, fuse.lookup(1, "from-host").body().getLong(FuseTestClient.ENTRY_ATTR + 8));
                FuseTestClient.Reply c = fuse.create(1, "from-guest", S_IFREG | 0644, 2);
                long node = FuseTestClient.nodeId(c);
                long fh = FuseTestClient.fh(c, 128);
                byte[] data = "guest data".getBytes(StandardCharsets.UTF_8);
                fuse.write(node, fh, 0, data).ok();
                fuse.release(Opcode.RELEASE, node, fh).ok();
                assertArrayEquals(data, Files.readAllBytes(shared.resolve("from-guest")));
                assertEquals(1, FuseTestClient.nodeId(fuse.lookup(1, "..")), "'..' at the root");
                assertFalse(Files.exists(socket), "the socket is removed once the frontend connected");
            }
            assertEquals(0, awaitExit(p), this::log);
            assertGone(daemon);
            assertTrue(log().contains("Client disconnected, shutting down"), this::log);
            assertEquals("outside", Files.readString(canary));
        } finally {
            ProcessTrees.stop(p);
        }
    }

    @Test
    void sigtermToTheLauncherEndsTheWaitingDaemonAndRemovesTheSocket() throws Exception {
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Path socket = tmp.resolve("vfs.sock");
        Process p = start("", List.of(LauncherTest.launcher().toString(), "--socket-path", socket.toString(),
                "--shared-dir", shared.toString(), "--sandbox", "namespace"));
        try {
            LaunchedDaemon.awaitSocket(socket, p, tmp.resolve("daemon.log"));
            ProcessHandle daemon = LaunchedDaemon.daemonOf(p);
            p.destroy(); // SIGTERM, as libvirt sends it
            assertTrue(p.waitFor(10, TimeUnit.SECONDS), "exits promptly on SIGTERM");
            assertEquals(143, p.exitValue(), "the daemon's status (ended by SIGTERM): " + log());
            assertGone(daemon);
            assertFalse(Files.exists(socket), "socket removed");
        } finally {
            ProcessTrees.stop(p);
        }
    }

    @Test
    void sigtermToTheLauncherEndsTheServingDaemon() throws Exception {
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Path socket = tmp.resolve("vfs.sock");
        Process p = start("", List.of(LauncherTest.launcher().toString(), "--socket-path", socket.toString(),
                "--shared-dir", shared.toString(), "-o", "sandbox=namespace"));
        try {
            LaunchedDaemon.awaitSocket(socket, p, tmp.resolve("daemon.log"));
            ProcessHandle daemon = LaunchedDaemon.daemonOf(p);
            try (VhostUserFrontend frontend = LaunchedDaemon.connect(socket, p, tmp.resolve("daemon.log"))) {
                new FuseTestClient(frontend).init().ok();
                p.destroy();
                assertTrue(p.waitFor(10, TimeUnit.SECONDS), "exits promptly on SIGTERM: " + log());
                assertGone(daemon);
            }
            assertFalse(Files.exists(socket), "no socket left behind");
        } finally {
            ProcessTrees.stop(p);
        }
    }

    @Test
    void inheritedListeningFdIsServedFromInsideTheNamespaces() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 creates the inherited socket");
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Path socket = tmp.resolve("libvirt.sock");
        // As libvirt does: bind and listen, then exec the launcher with the fd inherited as --fd=N.
        String py = "import os,socket,sys\n"
                + "s=socket.socket(socket.AF_UNIX,socket.SOCK_STREAM); s.bind(sys.argv[1]); s.listen(1)\n"
                + "os.set_inheritable(s.fileno(), True)\n"
                + "os.execv(sys.argv[2], [sys.argv[2], '--fd=%d' % s.fileno()] + sys.argv[3:])\n";
        Process p = start("", List.of("/usr/bin/python3", "-c", py, socket.toString(),
                LauncherTest.launcher().toString(), "--shared-dir", shared.toString(), "--sandbox=NAMESPACE"));
        try {
            LaunchedDaemon.awaitSocket(socket, p, tmp.resolve("daemon.log"));
            ProcessHandle daemon = LaunchedDaemon.daemonOf(p);
            assertInOwnNamespaces(daemon);
            try (VhostUserFrontend frontend = LaunchedDaemon.connect(socket, p, tmp.resolve("daemon.log"))) {
                FuseTestClient fuse = new FuseTestClient(frontend);
                fuse.init().ok();
                fuse.mkdir(1, "made-through-fd", 0040755).ok();
                assertTrue(Files.isDirectory(shared.resolve("made-through-fd")));
                assertTrue(Files.isSameFile(Path.of("/proc/" + daemon.pid() + "/root"), shared));
            }
            assertEquals(0, awaitExit(p), this::log);
            assertGone(daemon);
        } finally {
            ProcessTrees.stop(p);
        }
    }

    @Test
    void compatOptionWinsOverTheDefault() throws Exception {
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Path socket = tmp.resolve("vfs.sock");
        Process p = start("", List.of(LauncherTest.launcher().toString(), "--socket-path", socket.toString(),
                "--shared-dir", shared.toString(), "--sandbox=namespace", "-o", "cache=auto,sandbox=chroot"));
        try {
            LaunchedDaemon.awaitSocket(socket, p, tmp.resolve("daemon.log"));
            // No namespaces: the launcher became the daemon itself.
            assertEquals(0, p.toHandle().children().count(), "no process between launcher and daemon");
            assertEquals(namespace(ProcessHandle.current().pid(), "mnt"), namespace(p.pid(), "mnt"));
            try (VhostUserFrontend frontend = LaunchedDaemon.connect(socket, p, tmp.resolve("daemon.log"))) {
                new FuseTestClient(frontend).init().ok();
                assertTrue(Files.isSameFile(Path.of("/proc/" + p.pid() + "/root"), shared), "chroot");
            }
            assertEquals(0, awaitExit(p), this::log);
        } finally {
            ProcessTrees.stop(p);
        }
    }

    /** Runs the daemon's JVM directly, not through the launcher, with {@code --sandbox namespace}. */
    private Process startWithoutLauncher(Path shared, Path socket, String outerNamespaces) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        String lib = System.getProperty("jvirtiofsd.daemon.lib",
                LauncherTest.repo().resolve("daemon/target/lib").toString());
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", lib + "/*", "dev.jvirtiofsd.daemon.Main",
                "--socket-path", socket.toString(), "--shared-dir", shared.toString(), "--sandbox", "namespace")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("daemon.log").toFile());
        pb.environment().remove("JVIRTIOFSD_OUTER_NAMESPACES");
        if (outerNamespaces != null) {
            pb.environment().put("JVIRTIOFSD_OUTER_NAMESPACES", outerNamespaces);
        }
        return pb.start();
    }

    @Test
    void namespaceWithoutTheLauncherFailsLoudly() throws Exception {
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Path socket = tmp.resolve("vfs.sock");
        Process p = startWithoutLauncher(shared, socket, null);
        try {
            assertEquals(1, awaitExit(p), this::log);
            assertTrue(log().contains("bin/jvirtiofsd"), this::log);
            assertFalse(Files.exists(socket), "failed before the socket was created");
        } finally {
            ProcessTrees.stop(p);
        }
    }

    @Test
    void aFalseClaimOfNewNamespacesIsCaught() throws Exception {
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Path socket = tmp.resolve("vfs.sock");
        // The claim names the namespaces the daemon will in fact be in: this test's own.
        long self = ProcessHandle.current().pid();
        String claim = namespace(self, "mnt") + " " + namespace(self, "pid") + " " + namespace(self, "net");
        Process p = startWithoutLauncher(shared, socket, claim);
        try {
            assertEquals(1, awaitExit(p), this::log);
            assertTrue(log().contains("still in the launcher's mnt namespace"), this::log);
            assertFalse(Files.exists(socket), "failed before the socket was created");
        } finally {
            ProcessTrees.stop(p);
        }
    }
}
