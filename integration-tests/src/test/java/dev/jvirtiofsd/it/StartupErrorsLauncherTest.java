package dev.jvirtiofsd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jvirtiofsd.daemon.e2e.FuseTestClient;
import dev.jvirtiofsd.vhostuser.frontend.VhostUserFrontend;
import dev.jvirtiofsd.vhostuser.sys.UnixSockets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The start-up errors users meet most, through bin/jvirtiofsd as a process: each is one line
 * that says what to do. The shared directory missing, not a directory, a symbolic link, not
 * accessible to the daemon's user; the socket path in use by a running daemon (its pid file
 * locked), which must not be taken from it; a stale socket and pid file, which are taken over; a
 * socket directory that is missing or not writable.
 */
class StartupErrorsLauncherTest {
    static final int NOBODY = 65534;

    /** Not a JUnit temp dir: nobody must reach it in the tests that run the daemon as nobody. */
    Path tmp;

    @BeforeEach
    void makeDirectory() throws IOException {
        tmp = Files.createTempDirectory("jvirtiofsd-errors");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterEach
    void removeDirectory() throws IOException {
        try (Stream<Path> all = Files.walk(tmp)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private Path log(String name) {
        return tmp.resolve(name + ".log");
    }

    private Process start(String logName, List<String> prefix, String... args) throws IOException {
        List<String> command = new ArrayList<>(prefix);
        command.add(LauncherTest.launcher().toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = LaunchedDaemon.builder(command, "", log(logName));
        pb.directory(tmp.toFile());
        return pb.start();
    }

    private static List<String> asNobody() {
        return List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups", "--");
    }

    private static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** Runs the launcher to its end: the exit status and the one line it printed. */
    private String failure(int expectedStatus, List<String> prefix, String... args) throws Exception {
        Process p = start("failure", prefix, args);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "exits by itself");
        String out = LaunchedDaemon.log(log("failure")).strip();
        assertEquals(expectedStatus, p.exitValue(), out);
        List<String> lines = out.lines().filter(l -> !l.contains("[WARN]") && !l.contains("[INFO]")).toList();
        assertEquals(1, lines.size(), out);
        return lines.get(0);
    }

    @Test
    void aMissingSharedDirectoryIsNamedWithTheCommandThatMakesIt() throws Exception {
        Path missing = tmp.resolve("missing");
        String line = failure(2, List.of(), "--shared-dir=" + missing, "--socket-path=" + tmp.resolve("vfs.sock"));
        assertEquals("error: shared directory " + missing + " does not exist: create it (mkdir -p " + missing
                + ") or correct --shared-dir", line);
        assertFalse(Files.exists(tmp.resolve("vfs.sock.pid")), "nothing made before the options were checked");
    }

    @Test
    void aSharedDirectoryThatIsAFileOrASymbolicLinkIsRefusedWithWhatToGiveInstead() throws Exception {
        Path file = Files.writeString(tmp.resolve("file"), "x");
        assertEquals("error: shared directory " + file + " is not a directory: --shared-dir must name a directory",
                failure(2, List.of(), "--shared-dir=" + file, "--fd=3"));
        Path real = Files.createDirectory(tmp.resolve("real"));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
        assertEquals("error: shared directory " + link + " is a symbolic link: give the directory itself, "
                + "--shared-dir=" + real.toRealPath(), failure(2, List.of(), "--shared-dir=" + link, "--fd=3"));
    }

    @Test
    void aSharedDirectoryTheDaemonsUserCannotReadSaysHowToGrantIt() throws Exception {
        assumeTrue(root(), "runs the daemon as nobody");
        Path shared = Files.createDirectory(tmp.resolve("private"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwx------"));
        String line = failure(2, asNobody(), "--shared-dir=" + shared, "--socket-path=" + tmp.resolve("vfs.sock"),
                "--sandbox=none");
        assertTrue(line.startsWith("error: shared directory " + shared + " is not accessible to user nobody"), line);
        assertTrue(line.contains("setfacl -m u:nobody:rx " + shared), line);

        // Behind a parent without the search bit, it cannot even be seen: the same reason, not "missing".
        Path parent = Files.createDirectory(tmp.resolve("closed"));
        Path inside = Files.createDirectory(parent.resolve("share"));
        Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwx------"));
        line = failure(2, asNobody(), "--shared-dir=" + inside, "--socket-path=" + tmp.resolve("vfs.sock"),
                "--sandbox=none");
        assertTrue(line.startsWith("error: shared directory " + inside + " is not accessible to user nobody"), line);
    }

    @Test
    void aSocketDirectoryThatIsMissingOrNotWritableIsNamedWithTheFix() throws Exception {
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Path socket = tmp.resolve("no-such-dir/vfs.sock");
        String line = failure(1, List.of(), "--shared-dir=" + shared, "--socket-path=" + socket, "--sandbox=none");
        assertTrue(line.endsWith("[ERROR] Daemon - cannot create the socket " + socket + ": the directory "
                + socket.getParent() + " does not exist: create it (mkdir -p " + socket.getParent()
                + ") or choose another --socket-path"), line);

        assumeTrue(root(), "runs the daemon as nobody");
        Files.setAttribute(shared, "unix:uid", NOBODY, LinkOption.NOFOLLOW_LINKS);
        Path rootsOnly = Files.createDirectory(tmp.resolve("run"));
        Path denied = rootsOnly.resolve("vfs.sock");
        line = failure(1, asNobody(), "--shared-dir=" + shared, "--socket-path=" + denied, "--sandbox=none");
        assertTrue(line.endsWith("[ERROR] Daemon - cannot create the socket " + denied + ": user nobody (uid 65534) "
                + "may not create files in " + rootsOnly + ": run the daemon as root or as a user who may write "
                + "there, or choose a directory the user owns, e.g. --socket-path=/run/user/65534/vfs.sock (with "
                + "--socket-group=GROUP when QEMU runs as another user)"), line);
        assertFalse(Files.exists(denied), "no socket");
    }

    @Test
    void aFileInTheWayOfTheSocketIsNeverRemoved() throws Exception {
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Path socket = Files.writeString(tmp.resolve("vfs.sock"), "not a socket");
        String line = failure(1, List.of(), "--shared-dir=" + shared, "--socket-path=" + socket, "--sandbox=none");
        assertTrue(line.endsWith("cannot create the socket " + socket + ": a file that is not a socket is in the "
                + "way: remove it or choose another --socket-path"), line);
        assertEquals("not a socket", Files.readString(socket));
    }

    /**
     * A second daemon on the socket path of a running one stops with the first's pid and leaves
     * its socket alone; once the first has exited, the next one starts at once, whether the first
     * removed its pid file (no sandbox) or left it behind, unlocked (chroot, namespace: the path is
     * outside its root by then).
     */
    @ParameterizedTest(name = "--sandbox={0}")
    @ValueSource(strings = {"none", "chroot", "namespace"})
    void aSocketPathInUseIsRefusedAndFreeAgainOnceItsDaemonExited(String sandbox) throws Exception {
        assumeTrue(root() || sandbox.equals("none"), "chroot and the namespace sandbox here need root");
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Path socket = tmp.resolve("vfs.sock");
        Path pidFile = tmp.resolve("vfs.sock.pid");
        Process first = start("first", List.of(), "--shared-dir=" + shared, "--socket-path=" + socket,
                "--sandbox=" + sandbox);
        try {
            LaunchedDaemon.awaitSocket(socket, first, log("first"));
            for (int i = 0; i < 1000 && !Files.exists(pidFile); i++) {
                Thread.sleep(10);
            }
            // The pid the caller knows: the launcher's (under the namespace sandbox the supervisor's).
            assertEquals(first.pid() + "\n", Files.readString(pidFile));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(pidFile)));

            String line = failure(1, List.of(), "--shared-dir=" + shared, "--socket-path=" + socket,
                    "--sandbox=" + sandbox);
            assertTrue(line.endsWith("[ERROR] Daemon - socket path " + socket + " is in use by a running daemon (pid "
                    + first.pid() + "): stop it first (kill " + first.pid() + "), or choose another --socket-path"),
                    line);

            // The first daemon still has its socket and serves its frontend.
            try (VhostUserFrontend frontend = LaunchedDaemon.connect(socket, first, log("first"))) {
                new FuseTestClient(frontend).init().ok();
            }
            assertTrue(first.waitFor(20, TimeUnit.SECONDS), "the first daemon exits by itself");
            assertEquals(0, first.exitValue(), LaunchedDaemon.log(log("first")));
        } finally {
            first.destroyForcibly();
        }
        assertEquals(sandbox.equals("none"), !Files.exists(pidFile), "pid file removed only where still reachable");

        Process second = start("second", List.of(), "--shared-dir=" + shared, "--socket-path=" + socket,
                "--sandbox=" + sandbox);
        try (VhostUserFrontend frontend = LaunchedDaemon.connect(socket, second, log("second"))) {
            new FuseTestClient(frontend).init().ok();
            assertEquals(second.pid() + "\n", Files.readString(pidFile));
        } finally {
            assertTrue(second.waitFor(20, TimeUnit.SECONDS), "the second daemon exits by itself");
            second.destroyForcibly();
        }
        assertEquals(0, second.exitValue(), LaunchedDaemon.log(log("second")));
    }

    @Test
    void aStaleSocketAndPidFileOfADeadDaemonAreTakenOver() throws Exception {
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Path socket = tmp.resolve("vfs.sock");
        // What a daemon killed with SIGKILL leaves: a socket nobody listens on, an unlocked pid file.
        int fd = UnixSockets.listen(socket, 1);
        dev.jvirtiofsd.vhostuser.sys.Fds.closeQuietly(fd);
        Files.writeString(tmp.resolve("vfs.sock.pid"), "999999999\n");
        Process p = start("daemon", List.of(), "--shared-dir=" + shared, "--socket-path=" + socket, "--sandbox=none");
        try (VhostUserFrontend frontend = LaunchedDaemon.connect(socket, p, log("daemon"))) {
            new FuseTestClient(frontend).init().ok();
            assertEquals(p.pid() + "\n", Files.readString(tmp.resolve("vfs.sock.pid")), "the whole file rewritten");
        } finally {
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "exits by itself");
            p.destroyForcibly();
        }
        assertEquals(0, p.exitValue(), LaunchedDaemon.log(log("daemon")));
        assertFalse(Files.exists(socket));
        assertFalse(Files.exists(tmp.resolve("vfs.sock.pid")));
    }
}
