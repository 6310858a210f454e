package dev.jvirtiofsd.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Locks in a real guest, served on the host (guest/scenarios/locks.sh): two guest processes
 * exclude each other with fcntl and with flock; a process blocked in F_SETLKW does not hold up
 * the share and gets the lock once it frees; a process killed while blocked in F_SETLKW leaves
 * the daemon and the other processes working and its lock is freed; and the guest and the host
 * exclude each other (the host holds an fcntl lock the guest must see, and probes a lock the guest
 * holds).
 *
 * <p>Our daemon runs with {@code --posix-lock --flock}. Another backend runs as configured; one
 * that keeps locks inside the guest (the Rust virtiofsd) passes the guest-only checks and fails
 * the two host checks, which is the difference the option makes.
 */
@Tag("guest")
class LocksGuestIT {
    private static final List<String> EXPECTED_CHECKS = List.of(
            "posix-exclusion", "kill-waiter", "flock-exclusion", "host-sees-guest-lock", "guest-sees-host-lock");
    private static final Duration LISTEN_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration DAEMON_EXIT_TIMEOUT = Duration.ofSeconds(30);

    @Test
    void guestProcessesAndTheHostExcludeEachOther() throws Exception {
        Path run = GuestFiles.newRunDirectory("locks");
        GuestFiles.buildGuestImage(run.resolve("build-guest.log"));
        Path shared = Files.createDirectory(run.resolve("shared"));
        Path hostLocked = Files.writeString(shared.resolve("host-locked.txt"), "locked by the host\n");

        DaemonCommand configured = DaemonCommand.configured();
        DaemonCommand command = configured.isOurs()
                ? new DaemonCommand(configured.name(), configured.template() + " --posix-lock --flock")
                : configured;
        Path socketDir = GuestFiles.newSocketDirectory();
        Path socket = socketDir.resolve("vfs.sock");
        GuestOutcome outcome;
        OptionalInt daemonExit;
        String daemonDescription;
        try (FileChannel channel = FileChannel.open(hostLocked, StandardOpenOption.READ, StandardOpenOption.WRITE);
                FileLock hostLock = channel.lock();
                BackendDaemon daemon = BackendDaemon.start(command, socket, shared, run.resolve("daemon.log"))) {
            daemon.awaitListening(LISTEN_TIMEOUT);
            outcome = new GuestRun(socket, GuestFiles.scenario("locks.sh"), run.resolve("console.log"),
                    run.resolve("run-guest.log"), guestTimeout())
                    .onHostRequest("probe-guest-lock", () -> probe(shared))
                    .run();
            daemonExit = daemon.awaitExit(DAEMON_EXIT_TIMEOUT);
            daemonDescription = daemon.describe();
            assertTrue(hostLock.isValid());
        } finally {
            GuestFiles.deleteTree(socketDir);
        }

        String where = "\n(backend " + command.name() + "; run directory " + run + ")";
        List<String> guestProblems = outcome.problems(EXPECTED_CHECKS);
        OptionalInt exit = daemonExit;
        assertAll("lock test against " + command.name(),
                () -> assertTrue(guestProblems.isEmpty(),
                        () -> "the guest reported problems:\n  " + String.join("\n  ", guestProblems) + where),
                () -> assertTrue(outcome.consoleContains("CHECKS-DONE failures=0"),
                        () -> "the scenario did not finish cleanly" + where),
                () -> assertTrue(exit.isPresent(),
                        () -> "the backend did not exit within " + DAEMON_EXIT_TIMEOUT + " after QEMU quit\n"
                                + daemonDescription + where),
                () -> assertEquals(0, exit.orElse(0),
                        () -> "the backend's exit status after QEMU quit\n" + daemonDescription + where));
    }

    private static Duration guestTimeout() {
        return Duration.ofSeconds(Long.getLong("jvirtiofsd.guest.timeout", 300));
    }

    /** A host process's try at the lock the guest holds: BUSY or FREE, into host-probe.txt. */
    private static void probe(Path shared) throws IOException {
        String result;
        try (FileChannel channel = FileChannel.open(shared.resolve("guest-locked.txt"), StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            FileLock lock = channel.tryLock();
            result = lock == null ? "BUSY" : "FREE";
            if (lock != null) {
                lock.release();
            }
        }
        Path temporary = Files.writeString(shared.resolve(".host-probe.tmp"), result + "\n");
        Files.move(temporary, shared.resolve("host-probe.txt"), StandardCopyOption.ATOMIC_MOVE);
    }

}
