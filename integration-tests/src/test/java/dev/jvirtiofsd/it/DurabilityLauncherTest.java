package dev.jvirtiofsd.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvirtiofsd.daemon.e2e.FuseTestClient;
import dev.jvirtiofsd.protocol.Opcode;
import dev.jvirtiofsd.vhostuser.frontend.VhostUserFrontend;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon (bin/jvirtiofsd, a process of its own) dying or losing its frontend: a SIGKILLed
 * daemon loses no write the guest saw acknowledged after FSYNC, and a frontend that dies in the
 * middle of requests makes the daemon exit 0 leaving no process and no socket behind.
 */
class DurabilityLauncherTest {
    private static final int S_IFREG = 0100000;
    private static final int O_RDWR = 2;
    private static final int CHUNK = 256 * 1024;

    @TempDir
    Path tmp;

    private Process startDaemon(Path shared, Path socket, String... extra) throws IOException {
        List<String> command = new ArrayList<>(List.of(LauncherTest.launcher().toString(),
                "--socket-path=" + socket, "--shared-dir=" + shared));
        command.addAll(List.of(extra));
        return LaunchedDaemon.start(command, "", tmp.resolve("daemon.log"));
    }

    private String log() {
        return LaunchedDaemon.log(tmp.resolve("daemon.log"));
    }

    /** SIGKILL to the daemon and everything it started (the launcher may run it under unshare). */
    private static void killTree(Process p) throws InterruptedException {
        List<ProcessHandle> all = ProcessTrees.tree(p.toHandle());
        for (int i = all.size() - 1; i >= 0; i--) {
            all.get(i).destroyForcibly();
        }
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "the daemon died");
        for (ProcessHandle h : all) {
            h.onExit().join();
        }
    }

    @Test
    void fsyncedWritesSurviveSigkillOfTheDaemon() throws Exception {
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Path socket = tmp.resolve("vfs.sock");
        byte[] data = new byte[4 * CHUNK + 123];
        new Random(42).nextBytes(data);
        Process daemon = startDaemon(shared, socket, "--sandbox=none");
        VhostUserFrontend frontend = null;
        try {
            frontend = LaunchedDaemon.connect(socket, daemon, tmp.resolve("daemon.log"));
            FuseTestClient fuse = new FuseTestClient(frontend);
            fuse.init().ok();
            FuseTestClient.Reply created = fuse.create(1, "journal", S_IFREG | 0644, O_RDWR);
            long node = FuseTestClient.nodeId(created);
            long fh = FuseTestClient.fh(created, 128);
            for (int off = 0; off < data.length; off += CHUNK) {
                byte[] chunk = java.util.Arrays.copyOfRange(data, off, Math.min(data.length, off + CHUNK));
                FuseTestClient.Reply w = fuse.write(node, fh, off, chunk);
                w.ok();
                assertEquals(chunk.length, w.body().getInt(0), "bytes written");
            }
            fuse.fsync(Opcode.FSYNC, node, fh, 0).ok();
            // A directory entry made durable with FSYNCDIR too.
            fuse.mkdir(1, "made", 0040755).ok();
            FuseTestClient.Reply dir = fuse.opendir(1);
            long dh = FuseTestClient.fh(dir, 0);
            fuse.fsync(Opcode.FSYNCDIR, 1, dh, 0).ok();
            // Acknowledged: the daemon dies now, without closing anything.
            killTree(daemon);
        } finally {
            if (frontend != null) {
                frontend.close();
            }
            daemon.destroyForcibly();
        }
        assertArrayEquals(data, Files.readAllBytes(shared.resolve("journal")), "the acknowledged bytes");
        assertTrue(Files.isDirectory(shared.resolve("made")));
    }

    @Test
    void frontendDyingMidRequestEndsTheDaemonWithNothingLeft() throws Exception {
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Path socket = tmp.resolve("vfs.sock");
        Process daemon = startDaemon(shared, socket, "--thread-pool-size=2");
        Process load = null;
        try {
            for (int i = 0; i < 1000 && !Files.exists(socket); i++) {
                assertTrue(daemon.isAlive(), this::log);
                Thread.sleep(10);
            }
            String java = ProcessHandle.current().info().command().orElse("java");
            load = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    FrontendLoad.class.getName(), socket.toString())
                    .redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(load.getInputStream(), StandardCharsets.UTF_8));
            String line;
            StringBuilder seen = new StringBuilder();
            while ((line = out.readLine()) != null && !line.equals("loaded")) {
                seen.append(line).append('\n');
            }
            assertEquals("loaded", line, "the load generator ran: " + seen);
            List<ProcessHandle> daemonTree = ProcessTrees.tree(daemon.toHandle());
            // QEMU dies: SIGKILL while a 1 MiB write, fsync or read is in flight.
            load.destroyForcibly();
            assertTrue(load.waitFor(20, TimeUnit.SECONDS));
            assertTrue(daemon.waitFor(30, TimeUnit.SECONDS), "the daemon exits once its frontend is gone");
            assertEquals(0, daemon.exitValue(), this::log);
            for (ProcessHandle h : daemonTree) {
                assertTrue(h.onExit().isDone() || !h.isAlive(), "left running: " + h.pid() + " " + h.info());
            }
            assertFalse(Files.exists(socket), "socket removed");
            assertTrue(Files.size(shared.resolve("load")) > 0);
        } finally {
            if (load != null) {
                load.destroyForcibly();
            }
            ProcessTrees.stop(daemon);
        }
    }
}
