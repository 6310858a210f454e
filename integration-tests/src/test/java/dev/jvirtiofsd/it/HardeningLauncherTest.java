package dev.jvirtiofsd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jvirtiofsd.daemon.e2e.FuseTestClient;
import dev.jvirtiofsd.vhostuser.frontend.VhostUserFrontend;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The privileges of a daemon started through bin/jvirtiofsd, read from outside in
 * /proc/PID/task/TID/status and /proc/PID/limits: the capabilities of every thread, those that
 * serve requests and the JVM's own (under each sandbox, with and without --modcaps, with a thread
 * pool), no_new_privs, the open-file limit (--rlimit-nofile), and the socket's group
 * (--socket-group).
 */
class HardeningLauncherTest {
    /** CHOWN, DAC_OVERRIDE, FOWNER, FSETID, SETGID, SETUID, MKNOD, SETFCAP. */
    static final long KEPT = 1L << 0 | 1L << 1 | 1L << 3 | 1L << 4 | 1L << 6 | 1L << 7 | 1L << 27 | 1L << 31;
    static final long DAC_READ_SEARCH = 1L << 2;
    static final long SYS_ADMIN = 1L << 21;
    static final long SYS_CHROOT = 1L << 18;
    static final long MKNOD = 1L << 27;
    static final int S_IFREG = 0100000;

    @TempDir
    Path tmp;

    private Process start(List<String> args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(LauncherTest.launcher().toString());
        command.addAll(args);
        return LaunchedDaemon.start(command, "", tmp.resolve("daemon.log"));
    }

    private String log() {
        return LaunchedDaemon.log(tmp.resolve("daemon.log"));
    }

    private int awaitExit(Process p) throws Exception {
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "daemon exits by itself");
        return p.exitValue();
    }

    /** One task of the daemon: its id, name and the status fields. */
    record Task(long tid, String comm, Map<String, String> status) {
        long hex(String field) {
            return Long.parseUnsignedLong(status.get(field), 16);
        }

        @Override
        public String toString() {
            return tid + "/" + comm + " CapEff=" + status.get("CapEff") + " CapPrm=" + status.get("CapPrm")
                    + " CapBnd=" + status.get("CapBnd") + " NoNewPrivs=" + status.get("NoNewPrivs");
        }
    }

    static List<Task> tasks(long pid) throws IOException {
        List<Task> tasks = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path dir : (Iterable<Path>) dirs::iterator) {
                try {
                    Map<String, String> status = new HashMap<>();
                    for (String line : Files.readAllLines(dir.resolve("status"))) {
                        int colon = line.indexOf(':');
                        status.put(line.substring(0, colon), line.substring(colon + 1).trim());
                    }
                    tasks.add(new Task(Long.parseLong(dir.getFileName().toString()),
                            Files.readString(dir.resolve("comm")).strip(), status));
                } catch (IOException gone) {
                    // a thread that ended meanwhile
                }
            }
        }
        return tasks;
    }

    /**
     * The threads that serve the frontend: the queue workers and pool threads (named
     * virtiofs-worker-N, which the kernel's 15-byte name shortens) and the JVM's main thread,
     * which runs the connection (named "java" like the launcher's waiting primordial thread,
     * whose id is the pid).
     */
    static List<Task> servingThreads(long pid) throws IOException {
        List<Task> serving = new ArrayList<>();
        for (Task t : tasks(pid)) {
            if (t.comm().startsWith("virtiofs-worker") || t.comm().equals("java") && t.tid() != pid) {
                serving.add(t);
            }
        }
        return serving;
    }

    /**
     * Starts the daemon under {@code sandbox}, connects, creates and writes a file, and checks the
     * capabilities of every thread: each serving thread holds exactly {@code expected}; every other
     * thread (the JVM's own, and the primordial one, whose status is /proc/PID/status) holds exactly
     * {@code expected} too, plus {@code startUp} (what start-up itself needs, which the JVM's own
     * threads keep); every thread has no_new_privs.
     */
    private void checkCapabilities(String sandbox, long expected, long startUp, String... extra) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "capabilities are dropped by root only");
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Path socket = tmp.resolve("vfs.sock");
        List<String> args = new ArrayList<>(List.of("--socket-path=" + socket, "--shared-dir=" + shared));
        if (sandbox != null) {
            args.add("--sandbox=" + sandbox);
        }
        args.addAll(List.of(extra));
        Process p = start(args);
        try {
            LaunchedDaemon.awaitSocket(socket, p, tmp.resolve("daemon.log"));
            long pid = sandbox == null || sandbox.equals("namespace") ? LaunchedDaemon.daemonOf(p).pid() : p.pid();
            try (VhostUserFrontend frontend = LaunchedDaemon.connect(socket, p, tmp.resolve("daemon.log"))) {
                FuseTestClient fuse = new FuseTestClient(frontend);
                fuse.init().ok();
                FuseTestClient.Reply c = fuse.create(1, "f", S_IFREG | 0644, 2);
                long node = FuseTestClient.nodeId(c);
                long fh = FuseTestClient.fh(c, 128);
                fuse.write(node, fh, 0, "data".getBytes(StandardCharsets.UTF_8)).ok();
                fuse.release(dev.jvirtiofsd.protocol.Opcode.RELEASE, node, fh).ok();
                assertEquals("data", Files.readString(shared.resolve("f")));

                List<Task> all = tasks(pid);
                List<Task> serving = servingThreads(pid);
                String seen = "all tasks: " + all;
                assertTrue(serving.stream().filter(t -> t.comm().startsWith("virtiofs-worker")).count() >= 2,
                        "the hiprio and request queue workers: " + seen);
                assertEquals(1, serving.stream().filter(t -> t.comm().equals("java")).count(), seen);
                for (Task t : serving) {
                    assertEquals(expected, t.hex("CapEff"), t + "; " + seen);
                    assertEquals(expected, t.hex("CapPrm"), t.toString());
                    assertEquals(0, t.hex("CapInh"), t.toString());
                    assertEquals(0, t.hex("CapAmb"), t.toString());
                    assertEquals(expected | startUp, t.hex("CapBnd"), t.toString());
                    assertEquals("1", t.status().get("NoNewPrivs"), t.toString());
                }
                assertTrue(all.stream().anyMatch(t -> t.tid() == pid), "the primordial thread: " + seen);
                for (Task t : all) {
                    // By id: the two reads of a task's status differ in counters such as context switches.
                    if (serving.stream().anyMatch(s -> s.tid() == t.tid())) {
                        continue;
                    }
                    assertEquals(expected | startUp, t.hex("CapEff"), t + "; " + seen);
                    assertEquals(expected | startUp, t.hex("CapPrm"), t.toString());
                    assertEquals(0, t.hex("CapInh"), t.toString());
                    assertEquals(expected | startUp, t.hex("CapBnd"), t.toString());
                    assertEquals("1", t.status().get("NoNewPrivs"), t.toString());
                }
            }
            assertEquals(0, awaitExit(p), this::log);
            assertFalse(log().contains("the JVM's own threads keep"), this::log);
        } finally {
            ProcessTrees.stop(p);
        }
    }

    /** The capabilities of /proc/PID/status: the process's primordial thread. */
    @Test
    void theWholeProcessHoldsExactlyTheKeptCapabilitiesByDefault() throws Exception {
        checkCapabilities(null, KEPT, 0);
    }

    @Test
    void theWholeProcessHoldsExactlyTheKeptCapabilitiesWithoutASandbox() throws Exception {
        checkCapabilities("none", KEPT, 0);
    }

    @Test
    void underChrootOnlyTheJvmsOwnThreadsKeepSysChrootToo() throws Exception {
        checkCapabilities("chroot", KEPT, SYS_CHROOT);
    }

    @Test
    void everyServingThreadKeepsExactlyTheKeptCapabilities() throws Exception {
        checkCapabilities("namespace", KEPT, 0);
    }

    @Test
    void poolThreadsKeepExactlyTheKeptCapabilitiesToo() throws Exception {
        checkCapabilities("none", KEPT, 0, "--thread-pool-size=2");
    }

    @Test
    void modcapsAddsAndRemoves() throws Exception {
        checkCapabilities(null, KEPT & ~MKNOD | SYS_ADMIN, 0, "--modcaps=+sys_admin:-MKNOD");
    }

    @Test
    void legacyModcapsOptionToo() throws Exception {
        checkCapabilities("none", KEPT & ~MKNOD, 0, "--modcaps=+sys_admin", "-o", "modcaps=-mknod");
    }

    @Test
    void fileHandlesKeepDacReadSearchToo() throws Exception {
        checkCapabilities(null, KEPT | DAC_READ_SEARCH, 0, "--inode-file-handles=prefer");
    }

    @Test
    void fileHandlesKeepDacReadSearchWithModcapsAndWithoutASandbox() throws Exception {
        checkCapabilities("none", KEPT & ~MKNOD | DAC_READ_SEARCH, 0, "--modcaps=-mknod",
                "--inode-file-handles=mandatory");
    }

    @Test
    void droppingDacReadSearchWhileFileHandlesNeedItExitsOneWithAReason() throws Exception {
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Process p = start(List.of("--socket-path=" + tmp.resolve("vfs.sock"), "--shared-dir=" + shared,
                "--inode-file-handles=prefer", "--modcaps=-dac_read_search"));
        assertEquals(1, awaitExit(p), this::log);
        assertTrue(log().contains("--modcaps=-dac_read_search: cannot drop dac_read_search with "
                + "--inode-file-handles=prefer: opening file handles needs it"), this::log);
        assertFalse(Files.exists(tmp.resolve("vfs.sock")), "stopped before the socket");
    }

    @Test
    void badModcapsExitsOneWithAReason() throws Exception {
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Process p = start(List.of("--socket-path=" + tmp.resolve("vfs.sock"), "--shared-dir=" + shared,
                "--sandbox=none", "--modcaps=+chown:+no_such_cap"));
        assertEquals(1, awaitExit(p), this::log);
        assertTrue(log().contains("no_such_cap"), this::log);
        assertFalse(Files.exists(tmp.resolve("vfs.sock")), "stopped before the socket");
    }

    /** Soft and hard "Max open files" of /proc/PID/limits. */
    static long[] openFileLimits(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/limits"))) {
            if (line.startsWith("Max open files")) {
                String[] f = line.substring("Max open files".length()).trim().split("\\s+");
                return new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])};
            }
        }
        throw new AssertionError("no open-file limit for " + pid);
    }

    /** Starts the daemon with {@code option} (null: none) and returns its open-file limits once it listens. */
    private long[] limitsWith(String option) throws Exception {
        Path shared = Files.createDirectories(tmp.resolve("shared"));
        Path socket = tmp.resolve("vfs.sock");
        List<String> args = new ArrayList<>(List.of("--socket-path=" + socket, "--shared-dir=" + shared,
                "--sandbox=none"));
        if (option != null) {
            args.add(option);
        }
        Process p = start(args);
        try {
            LaunchedDaemon.awaitSocket(socket, p, tmp.resolve("daemon.log"));
            LaunchedDaemon.connect(socket, p, tmp.resolve("daemon.log")).close(); // listening, so past the limit step
            long[] limits = openFileLimits(p.pid());
            awaitExit(p);
            return limits;
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void rlimitNofileSetsSoftAndHardLimit() throws Exception {
        long[] own = openFileLimits(ProcessHandle.current().pid());
        long wanted = Math.min(own[1], 4321);
        long[] limits = limitsWith("--rlimit-nofile=" + wanted);
        assertEquals(wanted, limits[0]);
        assertEquals(wanted, limits[1]);
    }

    @Test
    void rlimitNofileZeroLeavesTheLimitAlone() throws Exception {
        long[] own = openFileLimits(ProcessHandle.current().pid());
        long[] limits = limitsWith("--rlimit-nofile=0");
        assertEquals(own[0], limits[0]);
        assertEquals(own[1], limits[1]);
    }

    @Test
    void rlimitNofileDefaultsToAMillionOrNrOpen() throws Exception {
        long nrOpen = Long.parseLong(Files.readAllLines(Path.of("/proc/sys/fs/nr_open")).get(0).strip());
        long target = Math.min(1_000_000, nrOpen);
        long[] own = openFileLimits(ProcessHandle.current().pid());
        long[] limits = limitsWith(null);
        if (own[0] >= target) {
            assertEquals(own[0], limits[0], "already high enough: left alone");
        } else if (own[1] >= target || mayRaiseHardLimits()) {
            assertEquals(target, limits[0]);
            assertEquals(target, limits[1]);
        } else {
            assertEquals(own[1], limits[0], "without CAP_SYS_RESOURCE: raised as far as the hard limit");
            assertEquals(own[1], limits[1]);
            assertTrue(log().contains("using the hard limit"), this::log);
        }
    }

    /** Whether this process (and so the daemon it starts) has CAP_SYS_RESOURCE. */
    static boolean mayRaiseHardLimits() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("CapEff:")) {
                return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & 1L << 24) != 0;
            }
        }
        return false;
    }

    @Test
    void rlimitNofileAboveNrOpenExitsOne() throws Exception {
        long nrOpen = Long.parseLong(Files.readAllLines(Path.of("/proc/sys/fs/nr_open")).get(0).strip());
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Process p = start(List.of("--socket-path=" + tmp.resolve("vfs.sock"), "--shared-dir=" + shared,
                "--sandbox=none", "--rlimit-nofile=" + (nrOpen + 1)));
        assertEquals(1, awaitExit(p), this::log);
        assertTrue(log().contains("nr_open"), this::log);
        assertFalse(Files.exists(tmp.resolve("vfs.sock")), "the socket is removed again");
    }

    @Test
    void socketGroupGivesTheSocketToTheGroup() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "chown to another group needs root");
        assumeTrue(Files.readAllLines(Path.of("/etc/group")).stream().anyMatch(l -> l.startsWith("disk:")));
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Path socket = tmp.resolve("vfs.sock");
        Process p = start(List.of("--socket-path=" + socket, "--shared-dir=" + shared, "--sandbox=none",
                "--socket-group=disk"));
        try {
            LaunchedDaemon.awaitSocket(socket, p, tmp.resolve("daemon.log"));
            // Group and mode change right after bind and listen: wait for them (the file goes on connect).
            Map<String, Object> a = Files.readAttributes(socket, "unix:gid,mode", LinkOption.NOFOLLOW_LINKS);
            for (int i = 0; i < 1000 && !"rwxrwx---".equals(modeString((Integer) a.get("mode"))); i++) {
                Thread.sleep(10);
                a = Files.readAttributes(socket, "unix:gid,mode", LinkOption.NOFOLLOW_LINKS);
            }
            assertEquals(6, a.get("gid"), "group disk");
            assertEquals("rwxrwx---", modeString((Integer) a.get("mode")));
            LaunchedDaemon.connect(socket, p, tmp.resolve("daemon.log")).close();
            assertEquals(0, awaitExit(p), this::log);
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void withoutSocketGroupOnlyTheOwnerMayConnect() throws Exception {
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Path socket = tmp.resolve("vfs.sock");
        Process p = start(List.of("--socket-path=" + socket, "--shared-dir=" + shared, "--sandbox=none"));
        try {
            LaunchedDaemon.awaitSocket(socket, p, tmp.resolve("daemon.log"));
            int mode = (Integer) Files.getAttribute(socket, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            LaunchedDaemon.connect(socket, p, tmp.resolve("daemon.log")).close();
            assertEquals("rwx------", modeString(mode));
            assertEquals(0, awaitExit(p), this::log);
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void unknownSocketGroupExitsOne() throws Exception {
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Process p = start(List.of("--socket-path=" + tmp.resolve("vfs.sock"), "--shared-dir=" + shared,
                "--sandbox=none", "--socket-group=no-such-group-here"));
        assertEquals(1, awaitExit(p), this::log);
        assertTrue(log().contains("no-such-group-here"), this::log);
        assertFalse(Files.exists(tmp.resolve("vfs.sock")));
    }

    @Test
    void socketGroupConflictsWithFd() throws Exception {
        Process p = start(List.of("--shared-dir=" + tmp, "--fd=3", "--socket-group=disk"));
        assertEquals(2, awaitExit(p), this::log);
        assertTrue(log().contains("--socket-group"), this::log);
    }

    private static String modeString(int mode) {
        StringBuilder s = new StringBuilder();
        String rwx = "rwx";
        for (int bit = 8; bit >= 0; bit--) {
            s.append((mode & 1 << bit) != 0 ? rwx.charAt((8 - bit) % 3) : '-');
        }
        return s.toString();
    }
}
