package dev.jvirtiofsd.it;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code --tag} offers the vhost-user CONFIG protocol feature (the tag in the device's config
 * space). QEMU 7.1 to 8.0 crash on it; QEMU 10 declines it with a warning and serves the config
 * space itself, and the guest mounts the share as ever.
 */
@Tag("guest")
class TagGuestIT {
    private static final Duration LISTEN_TIMEOUT = Duration.ofSeconds(60);

    @Test
    void qemu10DeclinesTheConfigFeatureAndTheGuestMounts() throws Exception {
        Path run = GuestFiles.newRunDirectory("tag-qemu10");
        GuestPlatform platform = GuestPlatform.TRIXIE;
        platform.prepare(run.resolve("prepare.log"));
        Path shared = Files.createDirectory(run.resolve("shared"));
        Files.writeString(shared.resolve("from-host"), "host data\n");
        DaemonCommand command = DaemonCommand.configured();
        assumeTrue(command.isOurs(), "--tag as this daemon takes it");
        Path socketDir = GuestFiles.newSocketDirectory();
        Path socket = socketDir.resolve("vfs.sock");
        GuestOutcome outcome;
        try (BackendDaemon daemon = BackendDaemon.start(command.withArguments("--tag=share"), socket, shared,
                run.resolve("daemon.log"))) {
            daemon.awaitListening(LISTEN_TIMEOUT);
            outcome = new GuestRun(socket, GuestFiles.scenario("list.sh"), run.resolve("console.log"),
                    run.resolve("run-guest.log"), Duration.ofSeconds(Long.getLong("jvirtiofsd.guest.timeout", 300)))
                    .on(platform)
                    .run();
        } finally {
            GuestFiles.deleteTree(socketDir);
        }
        String where = "\n(run directory " + run + ")";
        String qemuOutput = Files.readString(run.resolve("run-guest.log"));
        assertTrue(outcome.consoleContains("JVFS-SCENARIO: listed") && outcome.consoleContains("from-host"),
                () -> "the guest listed the share" + where);
        assertTrue(qemuOutput.contains("VHOST_USER_PROTOCOL_F_CONFIG"),
                () -> "QEMU 10 saw the CONFIG feature offered and declined it" + where);
    }
}
