package dev.jvirtiofsd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jvirtiofsd.daemon.e2e.FuseTestClient;
import dev.jvirtiofsd.daemon.fs.HostMount;
import dev.jvirtiofsd.vhostuser.frontend.VhostUserFrontend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --inode-file-handles} on the daemon as bin/jvirtiofsd starts it (as root: the namespace
 * sandbox and seccomp {@code kill} by default): the start-up check and its messages, the option's
 * syntax, and the daemon's open fds, counted from outside in /proc/PID/fd.
 */
class FileHandlesLauncherTest {
    private static final int FILES = 2000;

    @TempDir
    Path tmp;

    private Process start(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(LauncherTest.launcher().toString()));
        command.addAll(List.of(args));
        return LaunchedDaemon.start(command, "", tmp.resolve("daemon.log"));
    }

    private String log() {
        return LaunchedDaemon.log(tmp.resolve("daemon.log"));
    }

    private int awaitExit(Process p) throws Exception {
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "daemon exits by itself");
        return p.exitValue();
    }

    private static void assumeRoot() {
        assumeTrue("root".equals(System.getProperty("user.name")), "as root: the default sandbox, mounts");
    }

    /** The lines of the log that contain {@code text}. */
    private List<String> logLines(String text) {
        return log().lines().filter(l -> l.contains(text)).toList();
    }

    @Test
    void mandatoryOnAShareWithoutFileHandlesExitsOneWithTheReasonInOneLine() throws Exception {
        assumeRoot();
        Path shared = Files.createDirectory(tmp.resolve("ramfs"));
        try (HostMount ramfs = HostMount.ramfs(shared)) {
            assumeTrue(ramfs != null, "a ramfs (no file handles) can be mounted");
            Process p = start("--socket-path=" + tmp.resolve("vfs.sock"), "--shared-dir=" + shared,
                    "--inode-file-handles=mandatory");
            assertEquals(1, awaitExit(p), this::log);
            List<String> reason = logLines("file handles do not work here");
            assertEquals(1, reason.size(), this::log);
            assertTrue(reason.get(0).endsWith("[ERROR] Daemon - --inode-file-handles=mandatory: "
                    + "file handles do not work here: cannot make a file handle for " + shared
                    + ": Operation not supported (its filesystem does not support file handles)"), reason.get(0));
            assertFalse(Files.exists(tmp.resolve("vfs.sock")), "no socket left behind");
        }
    }

    @Test
    void preferOnAShareWithoutFileHandlesWarnsAndServesWithFds() throws Exception {
        assumeRoot();
        Path shared = Files.createDirectory(tmp.resolve("ramfs"));
        try (HostMount ramfs = HostMount.ramfs(shared)) {
            assumeTrue(ramfs != null, "a ramfs (no file handles) can be mounted");
            Files.writeString(shared.resolve("f"), "on ramfs");
            Path socket = tmp.resolve("vfs.sock");
            Process p = start("--socket-path=" + socket, "--shared-dir=" + shared, "--inode-file-handles=prefer");
            try {
                try (VhostUserFrontend frontend = LaunchedDaemon.connect(socket, p, tmp.resolve("daemon.log"))) {
                    FuseTestClient fuse = new FuseTestClient(frontend);
                    fuse.init().ok();
                    fuse.getattr(FuseTestClient.nodeId(fuse.lookup(1, "f"))).ok();
                }
                assertEquals(0, awaitExit(p), this::log);
                List<String> warning = logLines("file handles do not work here");
                assertEquals(1, warning.size(), this::log);
                assertTrue(warning.get(0).contains("[WARN] Daemon - --inode-file-handles=prefer: ") && warning.get(0).endsWith(
                        "inodes are held by O_PATH file descriptors"), warning.get(0));
            } finally {
                ProcessTrees.stop(p);
            }
        }
    }

    @Test
    void theValueNeedsAnEqualSignAndMustBeKnown() throws Exception {
        Process p = start("--socket-path=" + tmp.resolve("vfs.sock"), "--shared-dir=" + tmp,
                "--inode-file-handles", "prefer");
        assertEquals(2, awaitExit(p), this::log);
        assertTrue(log().startsWith("error: equal sign is needed when assigning values to "
                + "'--inode-file-handles=<INODE_FILE_HANDLES>'"), this::log);
        Process bad = start("--socket-path=" + tmp.resolve("vfs.sock"), "--shared-dir=" + tmp,
                "--inode-file-handles=sometimes");
        assertEquals(2, awaitExit(bad), this::log);
        assertTrue(log().startsWith("error: invalid value 'sometimes' for '--inode-file-handles=<INODE_FILE_HANDLES>'"),
                this::log);
    }

    /** Starts the daemon with {@code mode}, looks up {@link #FILES} files and counts its open fds then. */
    private long daemonFdsAfterLookups(String mode) throws Exception {
        Path shared = Files.createDirectories(tmp.resolve("shared"));
        for (int i = 0; i < FILES; i++) {
            Files.writeString(shared.resolve("f" + i), "");
        }
        Path socket = tmp.resolve("vfs.sock");
        Process p = start("--socket-path=" + socket, "--shared-dir=" + shared, "--inode-file-handles=" + mode);
        try {
            LaunchedDaemon.awaitSocket(socket, p, tmp.resolve("daemon.log"));
            long pid = LaunchedDaemon.daemonOf(p).pid();
            long fds;
            try (VhostUserFrontend frontend = LaunchedDaemon.connect(socket, p, tmp.resolve("daemon.log"))) {
                FuseTestClient fuse = new FuseTestClient(frontend);
                fuse.init().ok();
                for (int i = 0; i < FILES; i++) {
                    fuse.lookup(1, "f" + i).ok();
                }
                try (Stream<Path> open = Files.list(Path.of("/proc/" + pid + "/fd"))) {
                    fds = open.count();
                }
            }
            assertEquals(0, awaitExit(p), this::log);
            return fds;
        } finally {
            ProcessTrees.stop(p);
        }
    }

    @Test
    void underTheDefaultSandboxInodesHeldByHandleKeepNoFdOpen() throws Exception {
        assumeRoot();
        long withHandles = daemonFdsAfterLookups("prefer");
        assertTrue(withHandles < 100, FILES + " inodes by handle: the daemon has " + withHandles + " fds open");
        long withoutHandles = daemonFdsAfterLookups("never");
        assertTrue(withoutHandles > FILES, FILES + " inodes by O_PATH fd: " + withoutHandles + " fds open");
    }

    @Test
    void fallbackIsADeprecatedPrefer() throws Exception {
        assumeRoot();
        long fds = daemonFdsAfterLookups("fallback");
        assertTrue(fds < 100, FILES + " inodes by handle: " + fds + " fds open");
        assertEquals(1, logLines("--inode-file-handles=fallback is deprecated, use --inode-file-handles=prefer")
                .size(), this::log);
    }
}
