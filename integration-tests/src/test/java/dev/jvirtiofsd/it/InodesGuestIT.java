package dev.jvirtiofsd.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jvirtiofsd.daemon.fs.HostMount;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Inodes on a real host, seen from a real guest (guest/scenarios/inodes.sh): two tmpfs mounted
 * inside the share (by this test, as root) have st_devs of their own in the guest and show in its
 * /proc/mounts when the daemon announces submounts, and none when it does not; and while the guest
 * holds {@link #FILES} inodes in its dentry cache ({@code --cache=always}), the daemon's open fds,
 * counted from /proc/PID/fd, stay few with {@code --inode-file-handles=prefer} and number more than
 * the files without. The counts and the guest's time for the walk go to the run directory's
 * measurements.txt and to the test's output.
 */
@Tag("guest")
class InodesGuestIT {
    private static final int FILES_PER_DIRECTORY = 100;
    /** 200 directories of 100 files. */
    static final int FILES = 20_000;
    private static final Duration LISTEN_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration DAEMON_EXIT_TIMEOUT = Duration.ofSeconds(30);

    /** Room for the fds the daemon needs besides those of the inodes: its jars, sockets, guest memory. */
    private static final int FD_HEADROOM = 1000;

    @Test
    void withFileHandlesTheDaemonKeepsFewFdsAndSubmountsAreAnnounced() throws Exception {
        long fds = run("handles", FILES, true, "--cache=always --inode-file-handles=prefer");
        assertTrue(fds < 200, "with file handles, " + fds + " fds open while the guest holds " + FILES + " inodes");
    }

    /**
     * Without handles the daemon needs an fd per inode: where its open-file limit is too low for
     * {@link #FILES} (the launcher can raise the hard limit only with CAP_SYS_RESOURCE), the tree is
     * made smaller, or the guest would see EMFILE.
     */
    @Test
    void withoutFileHandlesEveryHeldInodeHoldsAnFdAndNoSubmountIsAnnounced() throws Exception {
        int files = (int) Math.min(FILES, openFileHardLimit() - FD_HEADROOM);
        if (files < FILES) {
            System.out.printf("the open-file hard limit is %d: the tree without file handles has %d files%n",
                    openFileHardLimit(), files);
        }
        long fds = run("fds", files, false, "--cache=always --inode-file-handles=never --no-announce-submounts");
        assertTrue(fds > files, "without file handles, " + fds + " fds open while the guest holds " + files
                + " inodes");
    }

    /** This JVM's hard limit of open files, which the daemon it starts inherits. */
    private static long openFileHardLimit() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
            if (line.startsWith("Max open files")) {
                String hard = line.substring("Max open files".length()).trim().split("\\s+")[1];
                return hard.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(hard);
            }
        }
        throw new IOException("no open-file limit in /proc/self/limits");
    }

    /** One boot with a tree of {@code files} files; returns the daemon's open fds counted while the guest held it. */
    private long run(String name, int files, boolean announce, String options) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "as root: the test mounts two tmpfs");
        Path run = GuestFiles.newRunDirectory("inodes-" + name);
        GuestFiles.buildGuestImage(run.resolve("build-guest.log"));
        Path shared = Files.createDirectory(run.resolve("shared"));
        Files.writeString(shared.resolve("inodes.conf"), "announce=" + (announce ? "yes" : "no") + "\nfiles=" + files
                + "\n");
        makeTree(Files.createDirectory(shared.resolve("tree")), files);
        List<HostMount> mounts = new ArrayList<>();
        try {
            for (String sub : List.of("sub-a", "sub-b")) {
                HostMount tmpfs = HostMount.tmpfs(Files.createDirectory(shared.resolve(sub)));
                assumeTrue(tmpfs != null, "a tmpfs can be mounted in the share");
                mounts.add(tmpfs);
                Files.writeString(tmpfs.point().resolve("f"), "in " + sub.substring(4));
            }
            assumeTrue(Files.getAttribute(shared.resolve("sub-a/f"), "unix:ino")
                    .equals(Files.getAttribute(shared.resolve("sub-b/f"), "unix:ino")),
                    "two fresh tmpfs number their first files alike");
            return boot(run, shared, files, DaemonCommand.configured().withOptions(options));
        } finally {
            for (HostMount m : mounts) {
                m.close();
            }
            GuestFiles.deleteTree(shared);
        }
    }

    private long boot(Path run, Path shared, int files, DaemonCommand command) throws Exception {
        Path socketDir = GuestFiles.newSocketDirectory();
        Path socket = socketDir.resolve("vfs.sock");
        AtomicLong fds = new AtomicLong(-1);
        GuestOutcome outcome;
        OptionalInt daemonExit;
        String daemonDescription;
        try (BackendDaemon daemon = BackendDaemon.start(command, socket, shared, run.resolve("daemon.log"))) {
            daemon.awaitListening(LISTEN_TIMEOUT);
            outcome = new GuestRun(socket, GuestFiles.scenario("inodes.sh"), run.resolve("console.log"),
                    run.resolve("run-guest.log"), Duration.ofSeconds(Long.getLong("jvirtiofsd.guest.timeout", 600)))
                    .onHostRequest("count-fds", () -> fds.set(countDaemonFds(socket, shared)))
                    .run();
            daemonExit = daemon.awaitExit(DAEMON_EXIT_TIMEOUT);
            daemonDescription = daemon.describe();
        } finally {
            GuestFiles.deleteTree(socketDir);
        }
        String walk = outcome.check("held-inodes").map(GuestOutcome.Check::detail).orElse("(no report)");
        String measured = String.format("%s: %d fds open in the daemon while the guest held %d inodes; guest: %s%n",
                command.template(), fds.get(), files, walk);
        Files.writeString(run.resolve("measurements.txt"), measured, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        System.out.print(measured);

        String where = "\n(backend " + command.name() + "; run directory " + run + ")";
        List<String> problems = outcome.problems(List.of("submounts", "held-inodes"));
        assertAll("inodes against " + command.template(),
                () -> assertTrue(problems.isEmpty(),
                        () -> "the guest reported problems:\n  " + String.join("\n  ", problems) + where),
                () -> assertTrue(outcome.consoleContains("CHECKS-DONE failures=0"), () -> "not finished" + where),
                () -> assertTrue(fds.get() >= 0, () -> "the daemon's fds were not counted" + where),
                () -> assertEquals(0, daemonExit.orElse(-1),
                        () -> "the backend's exit status after QEMU quit\n" + daemonDescription + where));
        return fds.get();
    }

    /** {@code files} empty files, {@link #FILES_PER_DIRECTORY} to a directory. */
    private static void makeTree(Path tree, int files) throws IOException {
        for (int i = 0; i < files; i++) {
            Path dir = tree.resolve("d" + i / FILES_PER_DIRECTORY);
            if (i % FILES_PER_DIRECTORY == 0) {
                Files.createDirectory(dir);
            }
            Files.createFile(dir.resolve("f" + i % FILES_PER_DIRECTORY));
        }
    }

    /**
     * The open fds of the backend serving {@code socket}: of the processes whose command line names
     * the socket, the one with the most (for ours, the JVM rather than the launcher that supervises
     * its namespaces). The answer goes to the share, where the guest waits for it.
     */
    private static long countDaemonFds(Path socket, Path shared) throws IOException {
        long most = -1;
        List<ProcessHandle> backend = ProcessHandle.allProcesses()
                .filter(h -> h.info().commandLine().orElse("").contains(socket.toString()))
                .filter(h -> !h.info().commandLine().orElse("").contains("run-guest"))
                .filter(h -> !h.info().commandLine().orElse("").contains("qemu-system"))
                .toList();
        for (ProcessHandle h : backend) {
            try (Stream<Path> open = Files.list(Path.of("/proc/" + h.pid() + "/fd"))) {
                most = Math.max(most, open.count());
            } catch (IOException exited) {
                // not the daemon
            }
        }
        Path answer = Files.writeString(shared.resolve(".fds-counted.tmp"), "fds=" + most + "\n");
        Files.move(answer, shared.resolve("fds-counted"), StandardCopyOption.ATOMIC_MOVE);
        if (most < 0) {
            throw new IOException("no backend process names " + socket);
        }
        return most;
    }
}
