package dev.jvirtiofsd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jvirtiofsd.daemon.e2e.FuseTestClient;
import dev.jvirtiofsd.protocol.Opcode;
import dev.jvirtiofsd.vhostuser.frontend.VhostUserFrontend;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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

/**
 * The daemon run by a user other than root (here nobody, 65534), through bin/jvirtiofsd: by
 * default in a user namespace of its own with the namespace sandbox, with --sandbox=none, with
 * --sandbox=chroot inside a user namespace the user made, and with --uid-map/--gid-map, where the
 * daemon is root of its namespace and guest identities map onto the user's subordinate ids. Each
 * serves the user's own files; what lands on the host is checked there.
 */
class UnprivilegedLauncherTest {
    static final int NOBODY = 65534;
    static final int S_IFREG = 0100000;
    /** CHOWN, DAC_OVERRIDE, FOWNER, FSETID, SETGID, SETUID, MKNOD, SETFCAP. */
    static final long KEPT = HardeningLauncherTest.KEPT;

    /** Not a JUnit temp dir: nobody must reach it. */
    Path tmp;
    Path shared;

    @BeforeEach
    void makeDirectories() throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")), "runs the daemon as another user");
        tmp = Files.createTempDirectory("jvirtiofsd-unprivileged");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        shared = Files.createDirectory(tmp.resolve("shared"));
        Files.writeString(shared.resolve("from-host"), "host data");
        Path run = Files.createDirectory(tmp.resolve("run"));
        for (Path p : List.of(shared, shared.resolve("from-host"), run)) {
            Files.setAttribute(p, "unix:uid", NOBODY, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(p, "unix:gid", NOBODY, LinkOption.NOFOLLOW_LINKS);
        }
    }

    @AfterEach
    void removeDirectories() throws IOException {
        if (tmp != null) {
            try (Stream<Path> all = Files.walk(tmp)) {
                all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** In a directory of the user's: the daemon creates it. */
    private Path socket() {
        return tmp.resolve("run/vfs.sock");
    }

    private Path log() {
        return tmp.resolve("daemon.log");
    }

    /** bin/jvirtiofsd as nobody, {@code prefix} (e.g. a user namespace) before it. */
    private Process startAsNobody(List<String> prefix, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY,
                "--clear-groups", "--"));
        command.addAll(prefix);
        command.add(LauncherTest.launcher().toString());
        command.add("--socket-path=" + socket());
        command.add("--shared-dir=" + shared);
        command.addAll(List.of(args));
        ProcessBuilder pb = LaunchedDaemon.builder(command, "", log());
        pb.directory(tmp.toFile());
        return pb.start();
    }

    private String logText() {
        return LaunchedDaemon.log(log());
    }

    private int awaitExit(Process p) throws Exception {
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "the daemon exits by itself");
        return p.exitValue();
    }

    /** The java process: the launcher itself, or its child under the namespace sandbox. */
    private static long daemonPid(Process p, boolean namespaces) throws InterruptedException {
        return namespaces ? LaunchedDaemon.daemonOf(p).pid() : javaIn(p.toHandle());
    }

    private static long javaIn(ProcessHandle root) throws InterruptedException {
        for (int i = 0; i < 1000; i++) {
            var java = Stream.concat(Stream.of(root), root.descendants())
                    .filter(h -> h.info().command().orElse("").endsWith("/java")).findFirst();
            if (java.isPresent()) {
                return java.get().pid();
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no java process under " + root.pid());
    }

    private static String status(long pid, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1).trim();
            }
        }
        throw new AssertionError("no " + field + " for " + pid);
    }

    private static String namespace(long pid, String kind) throws IOException {
        return Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/" + kind)).toString();
    }

    /**
     * Connects, reads the host's file, creates one as guest user {@code guestUid}, and returns the
     * uid the guest is shown for the host's file.
     */
    private int serve(Process p, String name, int guestUid) throws Exception {
        LaunchedDaemon.awaitSocket(socket(), p, log());
        try (VhostUserFrontend frontend = LaunchedDaemon.connect(socket(), p, log())) {
            FuseTestClient fuse = new FuseTestClient(frontend);
            fuse.init().ok();
            FuseTestClient.Reply host = fuse.lookup(1, "from-host");
            host.ok();
            assertEquals(9, host.body().getLong(FuseTestClient.ENTRY_ATTR + FuseTestClient.ATTR_SIZE));
            fuse.identity(guestUid, guestUid);
            FuseTestClient.Reply c = fuse.create(1, name, S_IFREG | 0644, 2);
            c.ok();
            long node = FuseTestClient.nodeId(c);
            long fh = FuseTestClient.fh(c, 128);
            fuse.write(node, fh, 0, "guest data".getBytes(StandardCharsets.UTF_8)).ok();
            fuse.release(Opcode.RELEASE, node, fh).ok();
            assertEquals("guest data", Files.readString(shared.resolve(name)));
            return host.body().getInt(FuseTestClient.ENTRY_ATTR + FuseTestClient.ATTR_UID);
        }
    }

    private int hostUid(String name) throws IOException {
        return (Integer) Files.getAttribute(shared.resolve(name), "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    @Test
    void byDefaultTheNamespaceSandboxInAUserNamespaceOfItsOwn() throws Exception {
        Process p = startAsNobody(List.of(), "--log-level=debug");
        try {
            LaunchedDaemon.awaitSocket(socket(), p, log());
            long pid = daemonPid(p, true);
            for (String kind : List.of("user", "mnt", "pid", "net")) {
                assertNotEquals(namespace(ProcessHandle.current().pid(), kind), namespace(pid, kind), kind);
            }
            assertEquals(NOBODY + " " + NOBODY + " 1",
                    Files.readString(Path.of("/proc/" + pid + "/uid_map")).trim().replaceAll("\\s+", " "),
                    "the user's own uid mapped to itself");
            assertEquals("0000000000000000", status(pid, "CapEff"), "no capabilities: " + logText());
            assertEquals("1", status(pid, "NoNewPrivs"));
            assertEquals(NOBODY, serve(p, "by-guest", NOBODY), "the guest sees the owner's own uid");
            assertTrue(Files.isSameFile(Path.of("/proc/" + pid + "/root"), shared), "pivoted into the share");
            assertEquals(NOBODY, hostUid("by-guest"));
            assertEquals(0, awaitExit(p), this::logText);
        } finally {
            ProcessTrees.stop(p);
        }
    }

    @Test
    void withoutASandbox() throws Exception {
        Process p = startAsNobody(List.of(), "--sandbox=none");
        try {
            assertEquals(NOBODY, serve(p, "by-guest", NOBODY));
            assertEquals(NOBODY, hostUid("by-guest"));
            assertEquals(0, awaitExit(p), this::logText);
        } finally {
            ProcessTrees.stop(p);
        }
    }

    @Test
    void withoutCapDacReadSearchMandatoryFileHandlesEndStartUpWithTheReason() throws Exception {
        Process p = startAsNobody(List.of(), "--sandbox=none", "--inode-file-handles=mandatory");
        try {
            assertEquals(1, awaitExit(p), this::logText);
            assertTrue(logText().contains("--inode-file-handles=mandatory: file handles do not work here: cannot open "
                    + "the file handle of " + shared + ": Operation not permitted (opening file handles needs "
                    + "CAP_DAC_READ_SEARCH)"), this::logText);
        } finally {
            ProcessTrees.stop(p);
        }
    }

    @Test
    void withoutCapDacReadSearchPreferredFileHandlesFallBackToFds() throws Exception {
        Process p = startAsNobody(List.of(), "--inode-file-handles=prefer");
        try {
            assertEquals(NOBODY, serve(p, "by-guest", NOBODY));
            assertEquals(0, awaitExit(p), this::logText);
            assertTrue(logText().contains("--inode-file-handles=prefer: file handles do not work here (cannot open "
                    + "the file handle of " + shared + ": Operation not permitted (opening file handles needs "
                    + "CAP_DAC_READ_SEARCH)); inodes are held by O_PATH file descriptors"), this::logText);
        } finally {
            ProcessTrees.stop(p);
        }
    }

    @Test
    void chrootNeedsRoot() throws Exception {
        Process p = startAsNobody(List.of(), "--sandbox=chroot");
        try {
            assertEquals(1, awaitExit(p), this::logText);
            assertTrue(logText().contains("--sandbox=chroot needs root"), this::logText);
        } finally {
            ProcessTrees.stop(p);
        }
    }

    @Test
    void chrootAsRootOfAUserNamespaceTheUserMade() throws Exception {
        Process p = startAsNobody(List.of("unshare", "--map-root-user"), "--sandbox=chroot");
        try {
            LaunchedDaemon.awaitSocket(socket(), p, log());
            long pid = daemonPid(p, false);
            // Root of its namespace: the kept capabilities and SYS_CHROOT, as for root on the host.
            assertEquals(KEPT | HardeningLauncherTest.SYS_CHROOT, Long.parseUnsignedLong(status(pid, "CapEff"), 16),
                    this::logText);
            assertEquals(0, serve(p, "by-guest", 0), "the user is root inside");
            assertEquals(NOBODY, hostUid("by-guest"), "and itself on the host");
            assertEquals(0, awaitExit(p), this::logText);
        } finally {
            ProcessTrees.stop(p);
        }
    }

    @Test
    void uidMapMakesTheDaemonRootOfItsNamespace() throws Exception {
        Process p = startAsNobody(List.of(), "--uid-map=:0:" + NOBODY + ":1:", "--gid-map=/0/" + NOBODY + "/1/");
        try {
            LaunchedDaemon.awaitSocket(socket(), p, log());
            long pid = daemonPid(p, true);
            assertEquals("0 " + NOBODY + " 1",
                    Files.readString(Path.of("/proc/" + pid + "/uid_map")).trim().replaceAll("\\s+", " "));
            assertEquals(KEPT, Long.parseUnsignedLong(status(pid, "CapEff"), 16), this::logText);
            assertEquals(0, serve(p, "by-guest-root", 0), "the owner is root inside");
            assertEquals(NOBODY, hostUid("by-guest-root"));
            assertEquals(0, awaitExit(p), this::logText);
        } finally {
            ProcessTrees.stop(p);
        }
    }

    /** Adds {@code line} to {@code file} unless there, returning whether it did. */
    private static boolean addLine(Path file, String line) throws IOException {
        List<String> lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
        if (lines.contains(line)) {
            return false;
        }
        Files.writeString(file, line + "\n", java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
        return true;
    }

    private static void removeLine(Path file, String line) throws IOException {
        List<String> lines = new ArrayList<>(Files.readAllLines(file));
        lines.remove(line);
        Files.write(file, lines);
    }

    @Test
    void subordinateIdsLetGuestUsersOwnTheirFiles() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/newuidmap")), "newuidmap (package uidmap)");
        String range = "nobody:300000:1000";
        Path subuid = Path.of("/etc/subuid");
        Path subgid = Path.of("/etc/subgid");
        boolean addedUid = addLine(subuid, range);
        boolean addedGid = addLine(subgid, range);
        try {
            Process p = startAsNobody(List.of(), "--uid-map=:0:" + NOBODY + ":1:", "--uid-map=:1:300000:1000:",
                    "--gid-map=:0:" + NOBODY + ":1:", "--gid-map=:1:300000:1000:");
            try {
                assertEquals(0, serve(p, "by-guest-5", 5), this::logText);
                // Guest uid 5 is uid 5 of the namespace, which is 300004 on the host.
                assertEquals(300004, hostUid("by-guest-5"), this::logText);
                assertEquals(300004, Files.getAttribute(shared.resolve("by-guest-5"), "unix:gid"));
                assertEquals(0, awaitExit(p), this::logText);
            } finally {
                ProcessTrees.stop(p);
            }
        } finally {
            if (addedUid) {
                removeLine(subuid, range);
            }
            if (addedGid) {
                removeLine(subgid, range);
            }
        }
    }

    @Test
    void malformedMapsAreCommandLineErrors() throws Exception {
        for (String bad : List.of(":0:1:", "0:1:1:", ":a:1:1:", ":0:1:1;")) {
            Process p = startAsNobody(List.of(), "--uid-map=" + bad);
            try {
                assertEquals(2, awaitExit(p), bad + ": " + logText());
                assertTrue(logText().contains("--uid-map"), this::logText);
            } finally {
                ProcessTrees.stop(p);
            }
        }
    }

    @Test
    void mapsNeedTheNamespaceSandbox() throws Exception {
        Process p = startAsNobody(List.of(), "--sandbox=none", "--uid-map=:0:" + NOBODY + ":1:");
        try {
            assertEquals(1, awaitExit(p), this::logText);
            assertTrue(logText().contains("--uid-map"), this::logText);
        } finally {
            ProcessTrees.stop(p);
        }
    }

    @Test
    void mapsAreNotForRoot() throws Exception {
        ProcessBuilder pb = LaunchedDaemon.builder(List.of(LauncherTest.launcher().toString(),
                "--socket-path=" + socket(), "--shared-dir=" + shared, "--uid-map=:0:0:1:"), "", log());
        Process p = pb.start();
        try {
            assertEquals(1, awaitExit(p), this::logText);
            assertTrue(logText().contains("--uid-map"), this::logText);
        } finally {
            ProcessTrees.stop(p);
        }
    }
}
