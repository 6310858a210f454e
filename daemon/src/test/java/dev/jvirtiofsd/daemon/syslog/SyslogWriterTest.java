package dev.jvirtiofsd.daemon.syslog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvirtiofsd.daemon.sys.ErrnoException;
import dev.jvirtiofsd.daemon.sys.SyslogReceiver;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.event.Level;

/** The system log lines: their form, and their way through a real datagram socket. */
class SyslogWriterTest {
    @TempDir
    Path tmp;

    @Test
    void linesHaveGlibcsFormFacilityUserAndTheSeverityOfTheirLevel() {
        ZonedDateTime time = ZonedDateTime.of(2026, 1, 2, 3, 4, 5, 0, ZoneOffset.UTC);
        assertEquals("<14>Jan  2 03:04:05 jvirtiofsd[42]: Daemon - hello", SyslogWriter.line(Level.INFO,
                "Daemon - hello", 42, time));
        assertEquals("<11>Dec 24 23:59:59 jvirtiofsd[7]: x", SyslogWriter.line(Level.ERROR, "x", 7,
                ZonedDateTime.of(2026, 12, 24, 23, 59, 59, 0, ZoneOffset.UTC)));
        assertEquals(List.of(11, 12, 14, 15, 15), List.of(Level.ERROR, Level.WARN, Level.INFO, Level.DEBUG, Level.TRACE)
                .stream().map(l -> 8 + SyslogWriter.severity(l)).toList());
    }

    @Test
    void eachLineIsOneDatagramOnTheConnectedSocket() throws Exception {
        Path socket = tmp.resolve("log.sock");
        ByteArrayOutputStream fallback = new ByteArrayOutputStream();
        try (SyslogReceiver receiver = new SyslogReceiver(socket)) {
            SyslogWriter writer = SyslogWriter.open(socket, 4321, new PrintStream(fallback, true));
            // The path may go (as after pivot_root): the connected socket still reaches it.
            Files.delete(socket);
            writer.write(Level.WARN, "first\n");
            writer.write(Level.DEBUG, "second");
            assertTrue(receiver.await("second", Duration.ofSeconds(10)));
            List<String> lines = receiver.lines();
            assertEquals(2, lines.size(), lines.toString());
            assertTrue(lines.get(0).matches("<12>[A-Z][a-z]{2} [ 1-3][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} "
                    + "jvirtiofsd\\[4321\\]: first"), lines.get(0));
            assertTrue(lines.get(1).startsWith("<15>") && lines.get(1).endsWith("jvirtiofsd[4321]: second"));
            assertEquals("", fallback.toString(StandardCharsets.UTF_8));
        }
    }

    /** A reader that does not read: the writer does not wait, the lines it cannot send go to stderr. */
    @Test
    void aFullQueueNeverMakesTheWriterWait() throws Exception {
        Path socket = tmp.resolve("stuck.sock");
        ByteArrayOutputStream fallback = new ByteArrayOutputStream();
        try (SyslogReceiver stuck = SyslogReceiver.notReading(socket)) {
            SyslogWriter writer = SyslogWriter.open(socket, 1, new PrintStream(fallback, true));
            for (int i = 0; i < 2000; i++) {
                writer.write(Level.INFO, "line " + i);
            }
            assertTrue(stuck.lines().size() < 2000, "the queue filled up");
            assertTrue(stuck.lines().get(0).endsWith("line 0"));
        }
        assertTrue(fallback.toString(StandardCharsets.UTF_8).contains("jvirtiofsd[1]: line 1999"),
                "the last lines went to stderr");
    }

    @Test
    void aLineTheSocketRefusesGoesToStderrAndNoSocketNoWriter() throws Exception {
        Path socket = tmp.resolve("log.sock");
        ByteArrayOutputStream fallback = new ByteArrayOutputStream();
        SyslogWriter writer;
        try (SyslogReceiver receiver = new SyslogReceiver(socket)) {
            writer = SyslogWriter.open(socket, 1, new PrintStream(fallback, true));
        }
        writer.write(Level.ERROR, "after the log went away");
        assertTrue(fallback.toString(StandardCharsets.UTF_8).contains("jvirtiofsd[1]: after the log went away"));
        assertThrows(ErrnoException.class, () -> SyslogWriter.open(tmp.resolve("none"), 1, System.err));
    }
}
