package dev.jvirtiofsd.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jvirtiofsd.daemon.e2e.FuseTestClient;
import dev.jvirtiofsd.daemon.seccomp.KernelLog;
import dev.jvirtiofsd.daemon.seccomp.SeccompFilter;
import dev.jvirtiofsd.protocol.Opcode;
import dev.jvirtiofsd.vhostuser.frontend.FrontendOptions;
import dev.jvirtiofsd.vhostuser.frontend.VhostUserFrontend;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The seccomp filter on the daemon as bin/jvirtiofsd starts it, on each installed JDK: it shows
 * in /proc/PID/status, every kind of request is served under the default ({@code kill}), with inodes
 * held by O_PATH fd or by file handle (name_to_handle_at, open_by_handle_at), and a system call
 * outside the list (the start-up self-test, see {@link SeccompFilter}) is logged under
 * {@code log} and kills the process under {@code kill}.
 */
class SeccompLauncherTest {
    static final int S_IFREG = 0100000;
    static final int S_IFDIR = 0040000;
    static final int KILLED_BY_SIGSYS = 128 + 31;
    static final int GETSID = 124;
    static final int FATTR_SIZE = 1 << 3;

    @TempDir
    Path tmp;

    /** Each JDK without and with a pool, and with the pool and every inode held by file handle. */
    static Stream<Arguments> jdksPoolsAndFileHandles() {
        return LauncherTest.javaHomes().flatMap(home -> Stream.of(Arguments.of(home, 0, "never"),
                Arguments.of(home, 2, "never"), Arguments.of(home, 2, "mandatory")));
    }

    private Process start(String javaHome, boolean selfTest, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(LauncherTest.launcher().toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = LaunchedDaemon.builder(command, javaHome, tmp.resolve("daemon.log"));
        pb.environment().remove(SeccompFilter.SELF_TEST_VARIABLE);
        if (selfTest) {
            pb.environment().put(SeccompFilter.SELF_TEST_VARIABLE, SeccompFilter.SELF_TEST_VALUE);
        }
        return pb.start();
    }

    private String log() {
        return LaunchedDaemon.log(tmp.resolve("daemon.log"));
    }

    /** The JVM of the daemon: the launcher itself after its exec, or a descendant of it. */
    static long javaPid(Process p) throws IOException {
        List<ProcessHandle> candidates = new ArrayList<>();
        candidates.add(p.toHandle());
        p.toHandle().descendants().forEach(candidates::add);
        long found = -1;
        for (ProcessHandle h : candidates) {
            try {
                String cmdline = Files.readString(Path.of("/proc/" + h.pid() + "/cmdline"));
                if (cmdline.contains("dev.jvirtiofsd.daemon.Main")) {
                    found = h.pid();
                }
            } catch (IOException gone) {
                // exited meanwhile
            }
        }
        if (found < 0) {
            throw new IOException("no daemon JVM under pid " + p.pid());
        }
        return found;
    }

    static String statusField(long pid, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1).strip();
            }
        }
        return null;
    }

    @ParameterizedTest(name = "JAVA_HOME={0} pool={1} inode-file-handles={2}")
    @MethodSource("jdksPoolsAndFileHandles")
    void underTheDefaultKillFilterEveryKindOfRequestIsServedAndProcStatusShowsIt(String javaHome, int pool,
            String fileHandles) throws Exception {
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Files.writeString(shared.resolve("from-host"), "host data");
        Path socket = tmp.resolve("vfs.sock");
        Process p = start(javaHome, false, "--socket-path=" + socket, "--shared-dir=" + shared,
                "--xattr", "--thread-pool-size=" + pool, "--inode-file-handles=" + fileHandles, "--log-level=debug");
        try {
            try (VhostUserFrontend frontend = LaunchedDaemon.connect(socket, p, tmp.resolve("daemon.log"))) {
                FuseTestClient fuse = new FuseTestClient(frontend);
                fuse.init().ok();
                long pid = javaPid(p);
                assertEquals("2", statusField(pid, "Seccomp"), this::log);
                assertEquals("1", statusField(pid, "NoNewPrivs"), this::log);
                exerciseEveryKindOfRequest(fuse, shared);
                assertTrue(p.isAlive(), this::log);
                // Every thread, including those the JVM started before the filter, has it.
                try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
                    for (Path task : tasks.toList()) {
                        assertTrue(Files.readString(task.resolve("status")).contains("Seccomp:\t2"), task::toString);
                    }
                }
            }
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "daemon exits by itself");
            assertEquals(0, p.exitValue(), this::log);
            assertTrue(log().contains("Client disconnected, shutting down"), this::log);
        } finally {
            p.destroyForcibly();
        }
    }

    private static void exerciseEveryKindOfRequest(FuseTestClient fuse, Path shared) throws Exception {
        assertEquals(9, fuse.lookup(1, "from-host").body().getLong(FuseTestClient.ENTRY_ATTR + 8));
        FuseTestClient.Reply c = fuse.create(1, "file", S_IFREG | 0644, 2);
        long node = FuseTestClient.nodeId(c);
        long fh = FuseTestClient.fh(c, 128);
        byte[] data = "written under seccomp".getBytes(StandardCharsets.UTF_8);
        fuse.write(node, fh, 0, data).ok();
        FuseTestClient.Reply r = fuse.read(node, fh, 0, 4096);
        r.ok();
        assertEquals(data.length, r.body().remaining());
        fuse.flush(node, fh).ok();
        fuse.fsync(Opcode.FSYNC, node, fh, 0).ok();
        fuse.fsync(Opcode.FSYNC, node, fh, 1).ok();
        fuse.fallocate(node, fh, 0, 8192, 0).ok();
        fuse.lseek(node, fh, 0, 3).ok();
        fuse.setattr(node, FATTR_SIZE, 0, data.length, 0, 0, 0, 0, 0, 0, 0).ok();
        fuse.getattr(node).ok();
        fuse.access(node, 4).ok();
        fuse.release(Opcode.RELEASE, node, fh).ok();
        fuse.open(node, 0).ok();
        assertArrayEquals(data, Files.readAllBytes(shared.resolve("file")));

        fuse.setxattr(node, "user.k", "v".getBytes(StandardCharsets.UTF_8), 0).ok();
        fuse.getxattr(node, "user.k", 64).ok();
        fuse.listxattr(node, 256).ok();
        fuse.removexattr(node, "user.k").ok();

        long dir = FuseTestClient.nodeId(fuse.mkdir(1, "dir", S_IFDIR | 0755));
        FuseTestClient.nodeId(fuse.symlink(dir, "link", "../file"));
        fuse.readlink(FuseTestClient.nodeId(fuse.lookup(dir, "link"))).ok();
        fuse.link(node, dir, "hard").ok();
        fuse.mknod(dir, "fifo", 0010644).ok();
        fuse.rename(dir, "hard", 1, "hard-moved").ok();
        fuse.rename2(1, "hard-moved", dir, "hard", 0).ok();
        long dfh = FuseTestClient.fh(fuse.opendir(dir), 0);
        fuse.readdir(Opcode.READDIR, dir, dfh, 0, 4096).ok();
        fuse.readdir(Opcode.READDIRPLUS, dir, dfh, 0, 4096).ok();
        fuse.fsync(Opcode.FSYNCDIR, dir, dfh, 0).ok();
        fuse.release(Opcode.RELEASEDIR, dir, dfh).ok();
        fuse.statfs(1).ok();
        fuse.syncfs(1).ok();
        for (String name : List.of("link", "hard", "fifo")) {
            fuse.unlink(Opcode.UNLINK, dir, name).ok();
        }
        fuse.unlink(Opcode.RMDIR, 1, "dir").ok();
        fuse.unlink(Opcode.UNLINK, 1, "file").ok();
        fuse.forget(node, 1);
        fuse.lookup(1, "..").ok();
    }

    @ParameterizedTest(name = "JAVA_HOME={0}")
    @MethodSource("dev.jvirtiofsd.it.LauncherTest#javaHomes")
    void underLogTheForbiddenCallIsReportedAndTheDaemonKeepsServing(String javaHome) throws Exception {
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Path socket = tmp.resolve("vfs.sock");
        Process p = start(javaHome, true, "--socket-path=" + socket, "--shared-dir=" + shared, "--seccomp=log");
        try {
            try (VhostUserFrontend frontend = LaunchedDaemon.connect(socket, p, tmp.resolve("daemon.log"))) {
                FuseTestClient fuse = new FuseTestClient(frontend);
                fuse.init().ok();
                long pid = javaPid(p);
                fuse.mkdir(1, "after-the-forbidden-call", S_IFDIR | 0755).ok();
                assertTrue(Files.isDirectory(shared.resolve("after-the-forbidden-call")));
                assertTrue(log().contains("seccomp self-test: getsid returned"), this::log);
                assertEquals("2", statusField(pid, "Seccomp"));
                assumeTrue(KernelLog.readable(), "the kernel log can be read");
                assertTrue(KernelLog.awaitSeccompRecord(pid, GETSID, Duration.ofSeconds(10)),
                        "the kernel logged getsid of pid " + pid);
            }
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "daemon exits by itself");
            assertEquals(0, p.exitValue(), this::log);
        } finally {
            p.destroyForcibly();
        }
    }

    @ParameterizedTest(name = "JAVA_HOME={0}")
    @MethodSource("dev.jvirtiofsd.it.LauncherTest#javaHomes")
    void underKillTheForbiddenCallKillsTheDaemon(String javaHome) throws Exception {
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Path socket = tmp.resolve("vfs.sock");
        Process p = start(javaHome, true, "--socket-path=" + socket, "--shared-dir=" + shared, "--seccomp=kill");
        try {
            // The filter, and the self-test after it, come once a frontend is connected; the
            // daemon may die before the frontend's own handshake is over.
            for (int i = 0; i < 2000 && p.isAlive(); i++) {
                try (VhostUserFrontend frontend = VhostUserFrontend.connect(socket, FrontendOptions.defaults().withQueues(2))) {
                    p.waitFor(20, TimeUnit.SECONDS);
                } catch (IOException notListeningYetOrDiedDuringTheHandshake) {
                    Thread.sleep(10);
                }
            }
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "the daemon dies");
            assertEquals(KILLED_BY_SIGSYS, p.exitValue(), this::log);
            assertTrue(log().contains("calling getsid"), this::log);
            assertFalse(log().contains("still running"), this::log);
        } finally {
            p.destroyForcibly();
        }
    }
}
