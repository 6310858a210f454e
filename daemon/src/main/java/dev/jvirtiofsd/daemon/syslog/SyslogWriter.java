package dev.jvirtiofsd.daemon.syslog;

import dev.jvirtiofsd.daemon.sys.DatagramSockets;
import dev.jvirtiofsd.daemon.sys.ErrnoException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.slf4j.event.Level;

/**
 * Log lines to the system log socket, one datagram each, in the form glibc's syslog(3) sends
 * to {@code /dev/log} and both rsyslog and journald parse: {@code <PRI>Mmm dd hh:mm:ss
 * jvirtiofsd[PID]: message}, facility USER (as the Rust virtiofsd's {@code --syslog}), local
 * time. The socket is connected at start-up and kept: the sandbox later hides /dev/log.
 *
 * <p>The daemon never waits for the system log: a worker thread that logs must not stall a
 * guest because the log reader is slow or stuck (a Unix datagram socket makes the sender wait
 * once the reader's queue is full). A line the socket does not take at once goes to stderr
 * instead, so it is not lost.
 */
public final class SyslogWriter {
    /** The system log socket. */
    public static final Path DEV_LOG = Path.of("/dev/log");
    static final String TAG = "jvirtiofsd";
    private static final int FACILITY_USER = 1;
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("MMM ppd HH:mm:ss", Locale.ENGLISH);

    private final int fd;
    private final long pid;
    private final Clock clock;
    private final PrintStream fallback;

    private SyslogWriter(int fd, long pid, Clock clock, PrintStream fallback) {
        this.fd = fd;
        this.pid = pid;
        this.clock = clock;
        this.fallback = fallback;
    }

    /**
     * Connects to {@code socket}. The time zone and its rules are loaded now, while the JDK's
     * files can still be read.
     */
    public static SyslogWriter open(Path socket, long pid, PrintStream fallback) throws ErrnoException {
        Clock clock = Clock.system(ZoneId.systemDefault());
        line(Level.INFO, "", pid, ZonedDateTime.now(clock));
        return new SyslogWriter(DatagramSockets.connect(socket), pid, clock, fallback);
    }

    /** The line for {@code message} at {@code level}, as sent. */
    static String line(Level level, String message, long pid, ZonedDateTime time) {
        return "<" + (FACILITY_USER * 8 + severity(level)) + ">" + TIMESTAMP.format(time) + " " + TAG + "[" + pid + "]: "
                + message;
    }

    /** syslog(3) severities: LOG_ERR 3, LOG_WARNING 4, LOG_INFO 6, LOG_DEBUG 7. */
    static int severity(Level level) {
        return switch (level) {
            case ERROR -> 3;
            case WARN -> 4;
            case INFO -> 6;
            case DEBUG, TRACE -> 7;
        };
    }

    /** Sends one line; to stderr should the socket not take it at once. */
    public void write(Level level, String message) {
        String line = line(level, message.stripTrailing(), pid, ZonedDateTime.now(clock));
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        if (DatagramSockets.send(fd, bytes, bytes.length) < 0) {
            fallback.println(line);
        }
    }
}
