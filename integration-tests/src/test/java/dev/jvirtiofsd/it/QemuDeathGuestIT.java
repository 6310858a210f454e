package dev.jvirtiofsd.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * QEMU dies (SIGKILL) while its guest keeps requests in flight on the share: the daemon sees the
 * frontend gone, exits 0 by itself, and leaves no process and no socket behind.
 */
@Tag("guest")
class QemuDeathGuestIT {
    private static final Duration LISTEN_TIMEOUT = Duration.ofSeconds(60);

    private static List<ProcessHandle> processesNaming(Path socket) {
        return ProcessHandle.allProcesses()
                .filter(h -> h.pid() != ProcessHandle.current().pid())
                .filter(h -> h.info().commandLine().orElse("").contains(socket.toString()))
                .collect(Collectors.toList());
    }

    /** SIGKILL to the QEMU process serving this socket (the executable, not a wrapper naming it). */
    private static int killQemu(Path socket) {
        List<ProcessHandle> qemu = processesNaming(socket).stream()
                .filter(h -> h.info().command().orElse("").contains("qemu-system"))
                .collect(Collectors.toList());
        qemu.forEach(ProcessHandle::destroyForcibly);
        qemu.forEach(h -> h.onExit().join());
        return qemu.size();
    }

    @Test
    void qemuKilledMidRequestLeavesNoStrayProcessOrSocket() throws Exception {
        Path run = GuestFiles.newRunDirectory("qemu-death");
        GuestFiles.buildGuestImage(run.resolve("build-guest.log"));
        Path shared = Files.createDirectory(run.resolve("shared"));
        DaemonCommand command = DaemonCommand.configured();
        Path socketDir = GuestFiles.newSocketDirectory();
        Path socket = socketDir.resolve("vfs.sock");
        AtomicInteger killed = new AtomicInteger(-1);
        GuestOutcome outcome;
        OptionalInt exit;
        List<ProcessHandle> left;
        String where;
        try (BackendDaemon daemon = BackendDaemon.start(command, socket, shared, run.resolve("daemon.log"))) {
            daemon.awaitListening(LISTEN_TIMEOUT);
            outcome = new GuestRun(socket, GuestFiles.scenario("qemu-death.sh"), run.resolve("console.log"),
                    run.resolve("run-guest.log"), Duration.ofSeconds(Long.getLong("jvirtiofsd.guest.timeout", 300)))
                    .onHostRequest("kill-qemu", () -> killed.set(killQemu(socket)))
                    .run();
            exit = daemon.awaitExit(Duration.ofSeconds(30));
            left = processesNaming(socket);
            where = "\n(backend " + command.name() + "; run directory " + run + ")\n" + daemon.describe();
        } finally {
            GuestFiles.deleteTree(socketDir);
        }
        String context = where;
        assertAll("QEMU killed mid-request, backend " + command.name(),
                () -> assertTrue(outcome.check("load-running").map(GuestOutcome.Check::passed).orElse(false),
                        () -> "the guest did not get its load going" + context),
                () -> assertEquals(1, killed.get(), () -> "QEMU processes killed" + context),
                () -> assertFalse(outcome.consoleContains("CHECK qemu-killed FAIL"), () -> "QEMU survived" + context),
                () -> assertEquals(OptionalInt.of(0), exit, () -> "the daemon exits 0 by itself" + context),
                () -> assertTrue(left.isEmpty(), () -> "processes left naming the socket: " + left + context),
                () -> assertFalse(Files.exists(socket), () -> "socket file left behind" + context));
    }
}
