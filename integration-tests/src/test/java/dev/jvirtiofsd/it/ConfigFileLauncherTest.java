package dev.jvirtiofsd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jvirtiofsd.daemon.e2e.FuseTestClient;
import dev.jvirtiofsd.vhostuser.frontend.VhostUserFrontend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * bin/jvirtiofsd and the daemon read the same config file by the same rule, with the same
 * precedence: the launcher decides the sandbox, the capabilities and the open-file limit before
 * the JVM starts, the daemon everything else, and the two must agree. Each vector gives a config
 * file (named with --config or found by the shared directory), the command line, and what the
 * running daemon must show in /proc: the capabilities of the whole process and of the threads
 * serving requests, its open-file limit, its namespaces.
 */
class ConfigFileLauncherTest {
    static final long KEPT = HardeningLauncherTest.KEPT;
    static final long SYS_ADMIN = HardeningLauncherTest.SYS_ADMIN;
    static final long MKNOD = HardeningLauncherTest.MKNOD;

    @TempDir
    Path tmp;

    /**
     * @param found the config file is found by the shared directory (else named with --config)
     * @param config its lines, {SHARED} standing for the shared directory
     * @param commandLine arguments after --socket-path and --shared-dir
     */
    record Vector(String name, boolean found, List<String> config, List<String> commandLine, long capabilities,
            long openFiles, boolean namespaces) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Vector> vectors() {
        List<String> config = List.of("# set by the config file", "--shared-dir={SHARED}", "--modcaps=+sys_admin",
                "--rlimit-nofile=4242", "--sandbox=namespace");
        return Stream.of(
                new Vector("found by the shared directory: the file's values", true, config, List.of(),
                        KEPT | SYS_ADMIN, 4242, true),
                new Vector("the command line wins", true, config,
                        List.of("--modcaps=-mknod", "--rlimit-nofile", "5000", "--sandbox=none"), KEPT & ~MKNOD, 5000,
                        false),
                new Vector("named with --config, two-line options", false,
                        List.of("--modcaps", "+sys_admin:-mknod", "--rlimit-nofile", "4343", "--sandbox", "none"),
                        List.of(), KEPT & ~MKNOD | SYS_ADMIN, 4343, false),
                new Vector("-o in the file wins over the command line's option", false,
                        List.of("-o", "modcaps=+sys_admin,sandbox=chroot"), List.of("--modcaps=-mknod",
                        "--sandbox=none", "--rlimit-nofile=4444"), KEPT | SYS_ADMIN, 4444, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void theLauncherAndTheDaemonApplyTheSameConfigFile(Vector vector) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "capabilities are set by root only");
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Path etc = Files.createDirectory(tmp.resolve("etc"));
        Path socket = tmp.resolve("vfs.sock");
        Path file = etc.resolve(vector.found() ? "share.conf" : "named.conf.off");
        Files.write(file, vector.config().stream().map(l -> l.replace("{SHARED}", shared.toString())).toList());
        Files.writeString(etc.resolve("unrelated.conf"), "--shared-dir=" + tmp + "\n--modcaps=-chown\n");

        List<String> command = new ArrayList<>(List.of(LauncherTest.launcher().toString(),
                "--socket-path=" + socket, "--shared-dir=" + shared));
        if (!vector.found()) {
            command.add("--config=" + file);
        }
        command.addAll(vector.commandLine());
        Path log = tmp.resolve("daemon.log");
        ProcessBuilder pb = LaunchedDaemon.builder(command, "", log);
        pb.environment().put("JVIRTIOFSD_CONFIG_DIR", etc.toString());
        Process p = pb.start();
        try {
            LaunchedDaemon.awaitSocket(socket, p, log);
            long pid = vector.namespaces() ? LaunchedDaemon.daemonOf(p).pid() : p.pid();
            try (VhostUserFrontend frontend = LaunchedDaemon.connect(socket, p, log)) {
                new FuseTestClient(frontend).init().ok();
                // What the launcher set: the whole process (its primordial thread) and its limit.
                String status = Files.readString(Path.of("/proc/" + pid + "/status"));
                assertTrue(status.contains(String.format("CapBnd:\t%016x", vector.capabilities()))
                        || status.contains(String.format("CapBnd:\t%016x", vector.capabilities() | 1L << 18)),
                        status + LaunchedDaemon.log(log));
                String limits = Files.readString(Path.of("/proc/" + pid + "/limits"));
                assertTrue(limits.matches("(?s).*Max open files +" + vector.openFiles() + " +" + vector.openFiles()
                        + " .*"), limits);
                for (String ns : List.of("mnt", "pid", "net")) {
                    Path own = Files.readSymbolicLink(Path.of("/proc/self/ns/" + ns));
                    Path daemons = Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/" + ns));
                    assertEquals(vector.namespaces(), !own.equals(daemons), ns);
                }
                // What the daemon decided: the threads serving requests.
                List<HardeningLauncherTest.Task> serving = HardeningLauncherTest.servingThreads(pid);
                assertFalse(serving.isEmpty(), "serving threads");
                for (HardeningLauncherTest.Task t : serving) {
                    assertEquals(vector.capabilities(), t.hex("CapEff"), t.toString());
                }
            }
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "exits by itself");
            assertEquals(0, p.exitValue(), LaunchedDaemon.log(log));
            String text = LaunchedDaemon.log(log);
            assertTrue(text.contains("Arguments from " + file + " (before the command line's)"), text);
            // The daemon reports capabilities of the process other than those it keeps.
            assertFalse(text.contains("the JVM's own threads keep"), text);
            assertNotEquals(-1, text.indexOf("Client disconnected"), text);
        } finally {
            ProcessTrees.stop(p);
        }
    }
}
