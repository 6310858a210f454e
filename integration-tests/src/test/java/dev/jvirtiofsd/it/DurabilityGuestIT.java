package dev.jvirtiofsd.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A real guest writes two files and makes them durable (sync; dd conv=fsync), then the daemon is
 * killed with SIGKILL (guest/scenarios/durability.sh asks for it): the host files hold every byte.
 */
@Tag("guest")
class DurabilityGuestIT {
    private static final Duration LISTEN_TIMEOUT = Duration.ofSeconds(60);

    private static String numbers(int last) {
        return IntStream.rangeClosed(1, last).mapToObj(Integer::toString).collect(Collectors.joining("\n", "", "\n"));
    }

    /** SIGKILL to every process whose command line names {@code socket}: the daemon and its launcher. */
    private static int killDaemon(Path socket) {
        List<ProcessHandle> daemon = ProcessHandle.allProcesses()
                .filter(h -> h.pid() != ProcessHandle.current().pid())
                .filter(h -> h.info().commandLine().orElse("").contains("--socket-path=" + socket)
                        || h.info().commandLine().orElse("").contains("--socket-path " + socket))
                .filter(h -> !h.info().commandLine().orElse("").contains("run-guest"))
                .collect(Collectors.toList());
        daemon.forEach(ProcessHandle::destroyForcibly);
        daemon.forEach(h -> h.onExit().join());
        return daemon.size();
    }

    @Test
    void syncedWritesSurviveSigkillOfTheDaemon() throws Exception {
        Path run = GuestFiles.newRunDirectory("durability");
        GuestFiles.buildGuestImage(run.resolve("build-guest.log"));
        Path shared = Files.createDirectory(run.resolve("shared"));
        DaemonCommand command = DaemonCommand.configured();
        Path socketDir = GuestFiles.newSocketDirectory();
        Path socket = socketDir.resolve("vfs.sock");
        AtomicInteger killed = new AtomicInteger(-1);
        GuestOutcome outcome;
        try (BackendDaemon daemon = BackendDaemon.start(command, socket, shared, run.resolve("daemon.log"))) {
            daemon.awaitListening(LISTEN_TIMEOUT);
            outcome = new GuestRun(socket, GuestFiles.scenario("durability.sh"), run.resolve("console.log"),
                    run.resolve("run-guest.log"), Duration.ofSeconds(Long.getLong("jvirtiofsd.guest.timeout", 300)))
                    .onHostRequest("kill-daemon", () -> killed.set(killDaemon(socket)))
                    .run();
        } finally {
            GuestFiles.deleteTree(socketDir);
        }
        String where = "\n(backend " + command.name() + "; run directory " + run + ")";
        List<String> problems = outcome.problems(List.of("synced", "fsynced"));
        assertAll("durability against " + command.name(),
                () -> assertTrue(problems.isEmpty(), () -> "the guest reported problems: " + problems + where),
                () -> assertTrue(killed.get() > 0, () -> "the daemon was not found to kill (" + killed + ")" + where),
                () -> assertEquals(numbers(200000), Files.readString(shared.resolve("synced.txt")),
                        () -> "synced.txt" + where),
                () -> assertEquals(numbers(100000), Files.readString(shared.resolve("fsynced.txt")),
                        () -> "fsynced.txt" + where));
    }
}
