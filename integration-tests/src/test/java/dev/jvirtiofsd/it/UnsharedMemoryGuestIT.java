package dev.jvirtiofsd.it;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The setting users miss most often: QEMU started without shared guest RAM. A vhost-user backend
 * then either gets no memory region for the RAM (plain RAM: the rings lie outside everything it
 * was given) or maps a memfd QEMU maps privately (share=off: the guest's requests never reach it,
 * and the guest waits forever). Either way the daemon must say, in its log, what to change.
 */
@Tag("guest")
class UnsharedMemoryGuestIT {
    private static final Duration LISTEN_TIMEOUT = Duration.ofSeconds(60);
    private static final String FIX = "memory-backend-memfd,id=mem,size=<RAM size>,share=on";

    @ParameterizedTest(name = "--memory-backend {0}")
    @ValueSource(strings = {"private", "none"})
    void theDaemonNamesTheMissingSetting(String backend) throws Exception {
        Path run = GuestFiles.newRunDirectory("unshared-" + backend);
        GuestFiles.buildGuestImage(run.resolve("build-guest.log"));
        Path shared = Files.createDirectory(run.resolve("shared"));
        DaemonCommand command = DaemonCommand.configured();
        assumeTrue(command.isOurs(), "the diagnosis is this daemon's");
        Path socketDir = GuestFiles.newSocketDirectory();
        Path socket = socketDir.resolve("vfs.sock");
        Path daemonLog = run.resolve("daemon.log");
        try (BackendDaemon daemon = BackendDaemon.start(command, socket, shared, daemonLog)) {
            daemon.awaitListening(LISTEN_TIMEOUT);
            new GuestRun(socket, GuestFiles.scenario("list.sh"), run.resolve("console.log"),
                    run.resolve("run-guest.log"), Duration.ofSeconds(Long.getLong("jvirtiofsd.guest.timeout", 300)))
                    .withArguments("--memory-backend", backend)
                    .stopWhen(() -> daemon.logTail(200).contains(FIX))
                    .run();
            String log = daemon.logTail(200);
            assertTrue(log.contains(FIX) && log.contains("libvirt <memoryBacking><source type='memfd'/>"),
                    () -> "the daemon's log names QEMU's and libvirt's setting (run directory " + run + ")\n"
                            + daemon.describe());
        } finally {
            GuestFiles.deleteTree(socketDir);
        }
    }
}
