package dev.jvirtiofsd.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A Linux 6.12 guest with four vCPUs and QEMU's num-request-queues=4 makes four request queues
 * and sends each CPU's requests on its own; a writer pinned to each CPU (guest/scenarios/
 * multiqueue.sh) makes the daemon serve all four. Seen in the daemon's debug log, which names the
 * queue of every request, and on the host, which checks every file.
 */
@Tag("guest")
class MultiQueueGuestIT {
    static final int QUEUES = 4;
    static final int FILES = 200;
    private static final Duration LISTEN_TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern REQUEST = Pattern.compile("queue (\\d+): [A-Z_0-9]+ unique");

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = GuestPlatform.class, names = {"TRIXIE_KERNEL", "TRIXIE"})
    void everyRequestQueueIsServed(GuestPlatform platform) throws Exception {
        Path run = GuestFiles.newRunDirectory("multiqueue");
        platform.prepare(run.resolve("prepare.log"));
        Path shared = Files.createDirectory(run.resolve("shared"));
        DaemonCommand command = DaemonCommand.configured();
        assumeTrue(command.isOurs(), "the queue of each request is read from this daemon's debug log");
        command = command.withArguments("--log-level=debug");
        Path socketDir = GuestFiles.newSocketDirectory();
        Path socket = socketDir.resolve("vfs.sock");
        Path daemonLog = run.resolve("daemon.log");
        GuestOutcome outcome;
        try (BackendDaemon daemon = BackendDaemon.start(command, socket, shared, daemonLog)) {
            daemon.awaitListening(LISTEN_TIMEOUT);
            outcome = new GuestRun(socket, GuestFiles.scenario("multiqueue.sh"), run.resolve("console.log"),
                    run.resolve("run-guest.log"), Duration.ofSeconds(Long.getLong("jvirtiofsd.guest.timeout", 300)))
                    .on(platform)
                    .withArguments("--smp", Integer.toString(QUEUES), "--request-queues", Integer.toString(QUEUES))
                    .run();
        } finally {
            GuestFiles.deleteTree(socketDir);
        }
        Map<Integer, Integer> requestsPerQueue = new TreeMap<>();
        Matcher m = REQUEST.matcher(Files.readString(daemonLog));
        while (m.find()) {
            requestsPerQueue.merge(Integer.parseInt(m.group(1)), 1, Integer::sum);
        }
        String where = "\n(" + platform + "; requests per queue " + requestsPerQueue + "; run directory " + run + ")";
        assertAll(
                () -> assertTrue(outcome.consoleContains("MQ-DONE"), () -> "the scenario finished" + where),
                () -> {
                    // /sys/fs/virtiofs/N/mqs lists the hiprio queue (0, every CPU) and the request queues.
                    for (int q = 1; q <= QUEUES; q++) {
                        int queue = q;
                        assertTrue(outcome.consoleContains("MQ-QUEUE " + q + " cpus=" + (q - 1)),
                                () -> "the guest's request queue " + queue + " is its CPU " + (queue - 1) + "'s" + where);
                    }
                },
                () -> {
                    for (int c = 0; c < QUEUES; c++) {
                        int cpu = c;
                        assertTrue(outcome.consoleContains("MQ-WRITER cpu" + c + " ok"), () -> "writer " + cpu + where);
                        for (int i = 0; i < FILES; i++) {
                            assertEquals("cpu" + c + " file " + i + "\n",
                                    Files.readString(shared.resolve("cpu" + c).resolve("f" + i)), where);
                        }
                    }
                },
                () -> {
                    for (int q = 1; q <= QUEUES; q++) {
                        int queue = q;
                        assertTrue(requestsPerQueue.getOrDefault(q, 0) >= FILES,
                                () -> "request queue " + queue + " served the writer of its CPU" + where);
                    }
                });
    }
}
