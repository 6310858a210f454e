package dev.jvirtiofsd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jvirtiofsd.daemon.e2e.FuseTestClient;
import dev.jvirtiofsd.daemon.sys.SyslogReceiver;
import dev.jvirtiofsd.vhostuser.frontend.VhostUserFrontend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code --syslog} through bin/jvirtiofsd: the lines reach a datagram socket standing in for
 * /dev/log (the daemon is pointed at it with JVIRTIOFSD_SYSLOG_SOCKET), also those logged after
 * the sandbox hid the path and the default seccomp filter ({@code kill}) is on, which must then
 * allow sendto; and where no system log can be reached, the daemon logs to stderr and says so.
 */
class SyslogLauncherTest {
    static final int S_IFDIR = 0040000;

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "--sandbox={0}")
    @ValueSource(strings = {"none", "chroot", "namespace"})
    void linesLoggedUnderTheSandboxAndTheKillFilterReachTheSystemLog(String sandbox) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")) || sandbox.equals("none"), "the sandbox needs root");
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Path socket = tmp.resolve("vfs.sock");
        Path log = tmp.resolve("daemon.log");
        try (SyslogReceiver syslog = new SyslogReceiver(tmp.resolve("log.sock"))) {
            ProcessBuilder pb = LaunchedDaemon.builder(List.of(LauncherTest.launcher().toString(), "--syslog",
                    "--socket-path=" + socket, "--shared-dir=" + shared, "--sandbox=" + sandbox, "--log-level=debug"),
                    "", log);
            pb.environment().put("JVIRTIOFSD_SYSLOG_SOCKET", tmp.resolve("log.sock").toString());
            Process p = pb.start();
            try {
                try (VhostUserFrontend frontend = LaunchedDaemon.connect(socket, p, log)) {
                    FuseTestClient fuse = new FuseTestClient(frontend);
                    fuse.init().ok();
                    fuse.mkdir(1, "made-under-seccomp", S_IFDIR | 0755).ok();
                    assertTrue(syslog.await("seccomp: ", Duration.ofSeconds(20)), syslog.lines().toString());
                }
                assertTrue(p.waitFor(20, TimeUnit.SECONDS), "exits by itself");
                assertEquals(0, p.exitValue(), "not killed by the filter: " + LaunchedDaemon.log(log));
            } finally {
                ProcessTrees.stop(p);
            }
            assertTrue(syslog.await("Client disconnected, shutting down", Duration.ofSeconds(10)),
                    syslog.lines().toString());
            String tag = " jvirtiofsd[" + p.pid() + "]: ";
            List<String> lines = syslog.lines();
            assertTrue(lines.contains(lines.stream().filter(l -> l.endsWith(tag + "Daemon - Waiting for vhost-user "
                    + "socket connection...")).findFirst().orElse("missing")), lines.toString());
            for (String line : lines) {
                assertTrue(line.matches("<1[1-5]>[A-Z][a-z]{2} [ 1-3][0-9] \\d\\d:\\d\\d:\\d\\d jvirtiofsd\\["
                        + p.pid() + "\\]: .*"), line);
            }
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("<14>") && l.endsWith("Client disconnected, shutting "
                    + "down")), "info is severity 6 of facility user: " + lines);
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("<15>")), "debug lines: " + lines);
            String stderr = LaunchedDaemon.log(log);
            assertFalse(stderr.contains("Waiting for vhost-user"), "nothing on stderr: " + stderr);
            assertFalse(stderr.contains("SLF4J"), stderr);
        }
    }

    @Test
    void withoutASystemLogTheDaemonLogsToStderrAndSaysSo() throws Exception {
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Path socket = tmp.resolve("vfs.sock");
        Path log = tmp.resolve("daemon.log");
        ProcessBuilder pb = LaunchedDaemon.builder(List.of(LauncherTest.launcher().toString(), "--syslog",
                "--socket-path=" + socket, "--shared-dir=" + shared, "--sandbox=none"), "", log);
        pb.environment().put("JVIRTIOFSD_SYSLOG_SOCKET", tmp.resolve("no-log.sock").toString());
        Process p = pb.start();
        try {
            try (VhostUserFrontend frontend = LaunchedDaemon.connect(socket, p, log)) {
                new FuseTestClient(frontend).init().ok();
            }
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "exits by itself");
            assertEquals(0, p.exitValue(), LaunchedDaemon.log(log));
        } finally {
            ProcessTrees.stop(p);
        }
        String stderr = LaunchedDaemon.log(log);
        assertTrue(stderr.contains("[WARN] Logging - can't enable syslog (connect " + tmp.resolve("no-log.sock")
                + ": No such file or directory (errno 2)): logging to stderr"), stderr);
        assertTrue(stderr.contains("[INFO] Daemon - Client disconnected, shutting down"), stderr);
    }
}
