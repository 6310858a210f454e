package dev.jvirtiofsd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The guest tests' harness, without a guest: it must notice what it is there to notice. */
class GuestHarnessTest {
    @TempDir
    Path dir;

    @Test
    void consoleLogReturnsOnlyCompleteLinesAsTheFileGrows() throws IOException {
        Path file = dir.resolve("console.log");
        ConsoleLog log = new ConsoleLog(file);
        assertEquals(List.of(), log.readNewLines(), "no file yet");

        append(file, "JVFS-GUEST: BOOT\r\nCHECK a PA");
        assertEquals(List.of("JVFS-GUEST: BOOT"), log.readNewLines());
        append(file, "SS detail\r\n");
        assertEquals(List.of("CHECK a PASS detail"), log.readNewLines());
        assertEquals(List.of(), log.readNewLines(), "nothing new");

        append(file, "unterminated");
        assertEquals(List.of("unterminated"), log.finish());
        assertEquals(List.of("JVFS-GUEST: BOOT", "CHECK a PASS detail", "unterminated"), log.lines());
    }

    @Test
    void outcomeReportsFailedMissingRepeatedAndUnexpectedChecks() {
        GuestOutcome outcome = new GuestOutcome(1, List.of(
                "noise CHECK ok PASS sha256=abc size=1",
                "CHECK bad FAIL got 'x', expected 'y'",
                "CHECK ok PASS again",
                "CHECK surprise PASS"), List.of("host action x failed"));

        List<String> problems = outcome.problems(List.of("ok", "bad", "absent"));

        assertEquals(List.of(
                "run-guest.sh exited with 1",
                "check bad: FAIL got 'x', expected 'y'",
                "check absent: missing",
                "check surprise: not expected by the test",
                "check ok: reported twice",
                "host action x failed"), problems);
        assertEquals("abc", outcome.detailField("ok", "sha256").orElseThrow());
        assertEquals("1", outcome.detailField("ok", "size").orElseThrow());
        assertTrue(outcome.detailField("ok", "missing").isEmpty());
    }

    @Test
    void outcomeOfACleanRunHasNoProblems() {
        GuestOutcome outcome = new GuestOutcome(0, List.of("CHECK one PASS", "CHECK two PASS x=1"), List.of());
        assertEquals(List.of(), outcome.problems(List.of("one", "two")));
    }

    @Test
    void timeoutIsAProblemEvenWhenEveryCheckPassed() {
        GuestOutcome outcome = new GuestOutcome(124, List.of("CHECK one PASS"), List.of());
        assertEquals(List.of("the guest timed out (run-guest.sh status 124)"), outcome.problems(List.of("one")));
    }

    @Test
    void daemonCommandPresetsAndTemplates() {
        Path socket = Path.of("/tmp/s/vfs.sock");
        Path shared = Path.of("/srv/share");
        Path repo = Path.of("/repo");

        DaemonCommand ours = DaemonCommand.parse(null);
        assertEquals("jvirtiofsd", ours.name());
        assertTrue(ours.isOurs());
        assertEquals(List.of("/repo/bin/jvirtiofsd", "--socket-path=/tmp/s/vfs.sock", "--shared-dir=/srv/share",
                "--cache=auto", "--xattr"), ours.argv(socket, shared, repo));

        DaemonCommand c = DaemonCommand.parse("qemu-c");
        assertFalse(c.isOurs());
        assertEquals(List.of("/usr/lib/qemu/virtiofsd", "--socket-path=/tmp/s/vfs.sock", "-o", "source=/srv/share",
                "-o", "cache=auto", "-o", "xattr"), c.argv(socket, shared, repo));

        DaemonCommand custom = DaemonCommand.parse("  /opt/vfsd  --socket-path={socket}\t--shared-dir={shared} ");
        assertEquals("custom", custom.name());
        assertEquals(List.of("/opt/vfsd", "--socket-path=/tmp/s/vfs.sock", "--shared-dir=/srv/share"),
                custom.argv(socket, shared, repo));

        assertThrows(IllegalArgumentException.class, () -> DaemonCommand.parse("no-such-preset"));

        List<String> extended = ours.withArguments("--xattrmap=:ok:client:::\n:bad:server:::")
                .withConformanceOptions().argv(socket, shared, repo);
        assertEquals("--xattrmap=:ok:client:::\n:bad:server:::", extended.get(extended.size() - 1),
                "kept whole, after the template's words");
        assertTrue(extended.contains("--posix-lock"));
    }

    @Test
    void socketProbeSeesAListeningSocketAndNotAClosedOne() throws IOException {
        Path socket = dir.resolve("probe.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            assertTrue(UnixSocketProbe.isListening(socket, List.of(ProcessHandle.current())));
            assertFalse(UnixSocketProbe.isListening(dir.resolve("other.sock"), List.of(ProcessHandle.current())));
        }
        assertFalse(UnixSocketProbe.isListening(socket, List.of(ProcessHandle.current())), "closed");
    }

    private static void append(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.ISO_8859_1, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}
