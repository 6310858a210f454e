package dev.jvirtiofsd.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The Proxmox how-to in a real guest (guest/scenarios/translate-ids.sh): the host directory is
 * owned by 200:200 (mode 0755) and the guest's user is tester, 1000:1000. Without translation
 * tester cannot write the share (EACCES, as with every virtiofsd) and sees the host's 200:200;
 * with {@code --translate-uid map:1000:200:1 --translate-gid map:1000:200:1} tester writes, the
 * host sees the new file owned by 200:200, and the guest sees it, the share and a file the host
 * made as 1000:1000 (stat and ls -ln). A third run forbids guest ids 5000-5009: guest root's chown
 * to one of them fails with EPERM (the Rust virtiofsd answers EIO, see docs/differences.md) and
 * changes nothing on the host.
 *
 * <p>The options are the Rust virtiofsd's, so the configured backend gets them whatever it is;
 * QEMU's C virtiofsd has no such option and skips the translated runs.
 */
@Tag("guest")
class IdTranslationGuestIT {
    private static final List<String> CHECKS = List.of(
            "identity", "share-owner", "host-file-owner", "host-file-read", "user-write", "user-mkdir",
            "new-file-owner", "root-chown");
    private static final String TRANSLATION = " --translate-uid map:1000:200:1 --translate-gid map:1000:200:1";
    private static final String FORBIDDING =
            " --translate-uid forbid-guest:5000:10 --translate-gid forbid-guest:5000:10";
    /** The ids guest root chowns chown-me.txt to. */
    private static final int CHOWN_TARGET = 5005;
    private static final int SHARE_OWNER = 200;
    private static final String HOST_FILE_CONTENT = "written by the host\n";
    private static final Duration LISTEN_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration DAEMON_EXIT_TIMEOUT = Duration.ofSeconds(30);

    /** One guest boot: what the guest reported and the share it left behind. */
    private record Run(DaemonCommand command, Path directory, Path shared, GuestOutcome outcome,
            OptionalInt daemonExit, String daemonDescription) {
        String where() {
            return "\n(backend " + command.template() + "; run directory " + directory + ")";
        }

        Optional<String> seen(String check, String key) {
            return outcome.detailField(check, key);
        }
    }

    @Test
    void withoutTranslationTheGuestUserCannotWriteAShareOfAnotherUid() throws Exception {
        Run run = boot(DaemonCommand.configured(), "translate-ids-none");
        Path s = run.shared();
        assertRun(run,
                () -> assertEquals(Optional.of("200:200"), run.seen("share-owner", "stat"), "the share, stat"),
                () -> assertEquals(Optional.of("200:200"), run.seen("share-owner", "ls"), "the share, ls -ln"),
                () -> assertEquals(Optional.of("200:200"), run.seen("host-file-owner", "stat"), "host-file.txt"),
                () -> assertEquals(Optional.of("EACCES"), run.seen("user-write", "result"), "tester writes"),
                () -> assertEquals(Optional.of("EACCES"), run.seen("user-mkdir", "result"), "tester makes a dir"),
                () -> assertEquals(Optional.of("none"), run.seen("new-file-owner", "stat"), "no new file"),
                () -> assertFalse(Files.exists(s.resolve("from-guest.txt"), LinkOption.NOFOLLOW_LINKS)),
                () -> assertFalse(Files.exists(s.resolve("from-guest-dir"), LinkOption.NOFOLLOW_LINKS)),
                () -> assertEquals(Optional.of("OK"), run.seen("root-chown", "result"), "root chowns"),
                () -> assertEquals(CHOWN_TARGET, hostId(s.resolve("chown-me.txt"), "unix:uid")),
                () -> assertEquals(CHOWN_TARGET, hostId(s.resolve("chown-me.txt"), "unix:gid")));
    }

    @Test
    void withTranslationTheGuestUserWritesAsTheShareOwnerAndSeesItself() throws Exception {
        DaemonCommand configured = DaemonCommand.configured();
        Assumptions.assumeFalse(configured.name().equals("qemu-c"), "QEMU's C virtiofsd cannot translate ids");
        DaemonCommand translating = new DaemonCommand(configured.name(), configured.template() + TRANSLATION);
        Run run = boot(translating, "translate-ids-map");
        Path s = run.shared();
        assertRun(run,
                () -> assertEquals(Optional.of("1000:1000"), run.seen("share-owner", "stat"), "the share, stat"),
                () -> assertEquals(Optional.of("1000:1000"), run.seen("share-owner", "ls"), "the share, ls -ln"),
                () -> assertEquals(Optional.of("1000:1000"), run.seen("host-file-owner", "stat"), "host-file.txt"),
                () -> assertEquals(Optional.of("1000:1000"), run.seen("host-file-owner", "ls"), "host-file.txt"),
                () -> assertEquals(Optional.of("OK"), run.seen("user-write", "result"), "tester writes"),
                () -> assertEquals(Optional.of("OK"), run.seen("user-mkdir", "result"), "tester makes a dir"),
                () -> assertEquals(Optional.of("1000:1000"), run.seen("new-file-owner", "stat"), "the new file"),
                () -> assertEquals(Optional.of("1000:1000"), run.seen("new-file-owner", "ls"), "the new file"),
                () -> assertEquals("written by tester\n", Files.readString(s.resolve("from-guest.txt"))),
                () -> assertEquals(SHARE_OWNER, hostId(s.resolve("from-guest.txt"), "unix:uid"), "host uid"),
                () -> assertEquals(SHARE_OWNER, hostId(s.resolve("from-guest.txt"), "unix:gid"), "host gid"),
                () -> assertEquals(SHARE_OWNER, hostId(s.resolve("from-guest-dir"), "unix:uid"), "host uid"),
                () -> assertEquals(SHARE_OWNER, hostId(s.resolve("from-guest-dir"), "unix:gid"), "host gid"),
                () -> assertEquals(Optional.of("OK"), run.seen("root-chown", "result"), "5005 is not mapped"),
                () -> assertEquals(CHOWN_TARGET, hostId(s.resolve("chown-me.txt"), "unix:uid")));
    }

    @Test
    void aChownToAForbiddenGuestIdFailsWithEperm() throws Exception {
        DaemonCommand configured = DaemonCommand.configured();
        Assumptions.assumeFalse(configured.name().equals("qemu-c"), "QEMU's C virtiofsd cannot translate ids");
        DaemonCommand forbidding = new DaemonCommand(configured.name(), configured.template() + FORBIDDING);
        Run run = boot(forbidding, "translate-ids-forbid");
        Path s = run.shared();
        String refusal = configured.name().equals("rust") ? "EIO" : "EPERM";
        assertRun(run,
                () -> assertEquals(Optional.of(refusal), run.seen("root-chown", "result"), "root chowns to 5005"),
                () -> assertEquals(SHARE_OWNER, hostId(s.resolve("chown-me.txt"), "unix:uid"), "unchanged"),
                () -> assertEquals(SHARE_OWNER, hostId(s.resolve("chown-me.txt"), "unix:gid"), "unchanged"),
                () -> assertEquals(Optional.of("200:200"), run.seen("share-owner", "stat"), "nothing else maps"),
                () -> assertEquals(Optional.of("EACCES"), run.seen("user-write", "result"), "tester writes"));
    }

    /** The checks every run must pass, the given assertions on what it saw, and a clean daemon exit. */
    private static void assertRun(Run run, Executable... seen) {
        List<String> problems = run.outcome().problems(CHECKS);
        assertAll("id translation run" + run.where(),
                () -> assertTrue(problems.isEmpty(), () -> "the guest reported problems:\n  "
                        + String.join("\n  ", problems) + run.where()),
                () -> assertTrue(run.outcome().consoleContains("CHECKS-DONE failures=0"),
                        () -> "the scenario did not finish cleanly" + run.where()),
                () -> assertEquals(Optional.of("1000:1000:1000"), run.seen("identity", "ids"), "tester's ids"),
                () -> assertTrue(run.outcome().check("host-file-read").map(c -> c.detail())
                        .filter(d -> d.equals("content=" + HOST_FILE_CONTENT.strip())).isPresent(),
                        () -> "tester reads host-file.txt: " + run.outcome().check("host-file-read")),
                () -> assertAll("what the guest saw" + run.where(), seen),
                () -> assertTrue(run.daemonExit().isPresent(), () -> "the backend did not exit within "
                        + DAEMON_EXIT_TIMEOUT + " after QEMU quit\n" + run.daemonDescription() + run.where()),
                () -> assertEquals(0, run.daemonExit().orElse(0),
                        () -> "the backend's exit status after QEMU quit\n" + run.daemonDescription() + run.where()));
    }

    private static Run boot(DaemonCommand command, String name) throws Exception {
        Path directory = GuestFiles.newRunDirectory(name);
        GuestFiles.buildGuestImage(directory.resolve("build-guest.log"));
        Path shared = Files.createDirectory(directory.resolve("shared"));
        prepareShare(shared);
        Path socketDir = GuestFiles.newSocketDirectory();
        Path socket = socketDir.resolve("vfs.sock");
        try (BackendDaemon daemon = BackendDaemon.start(command, socket, shared, directory.resolve("daemon.log"))) {
            daemon.awaitListening(LISTEN_TIMEOUT);
            GuestOutcome outcome = new GuestRun(socket, GuestFiles.scenario("translate-ids.sh"),
                    directory.resolve("console.log"), directory.resolve("run-guest.log"), guestTimeout()).run();
            OptionalInt exit = daemon.awaitExit(DAEMON_EXIT_TIMEOUT);
            return new Run(command, directory, shared, outcome, exit, daemon.describe());
        } finally {
            GuestFiles.deleteTree(socketDir);
        }
    }

    private static Duration guestTimeout() {
        return Duration.ofSeconds(Long.getLong("jvirtiofsd.guest.timeout", 300));
    }

    /** What the scenario expects to find (see the header of translate-ids.sh). */
    private static void prepareShare(Path shared) throws IOException {
        Path hostFile = Files.writeString(shared.resolve("host-file.txt"), HOST_FILE_CONTENT);
        own(hostFile, 0644);
        own(Files.writeString(shared.resolve("chown-me.txt"), ""), 0644);
        own(shared, 0755);
    }

    private static void own(Path path, int mode) throws IOException {
        Files.setAttribute(path, "unix:uid", SHARE_OWNER, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(path, "unix:gid", SHARE_OWNER, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(path, "unix:mode", mode, LinkOption.NOFOLLOW_LINKS);
    }

    private static int hostId(Path path, String attribute) throws IOException {
        return (Integer) Files.getAttribute(path, attribute, LinkOption.NOFOLLOW_LINKS);
    }
}
