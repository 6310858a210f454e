package dev.jvirtiofsd.daemon;

import dev.jvirtiofsd.daemon.cli.LogLevel;
import dev.jvirtiofsd.daemon.sys.ErrnoException;
import dev.jvirtiofsd.daemon.syslog.SyslogServiceProvider;
import dev.jvirtiofsd.daemon.syslog.SyslogWriter;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Configures logging from {@code --log-level} and {@code --syslog}: slf4j-simple on stderr, or
 * the system log ({@link SyslogServiceProvider}). Must run before the first logger is created:
 * slf4j picks its provider, and slf4j-simple reads its settings, once.
 *
 * <p>{@value #SYSLOG_SOCKET_ENV}, for tests only: the path of a socket to use instead of
 * /dev/log.
 */
final class Logging {
    static final String SYSLOG_SOCKET_ENV = "JVIRTIOFSD_SYSLOG_SOCKET";

    private static volatile boolean toSyslog;

    private Logging() {
    }

    static void configure(LogLevel level) {
        configure(level, false);
    }

    /**
     * With {@code syslog}, connects to the system log socket now, before any sandbox hides it;
     * where that fails, logs to stderr and says so, as the Rust virtiofsd does.
     */
    static void configure(LogLevel level, boolean syslog) {
        String failure = null;
        if (syslog) {
            String override = System.getenv(SYSLOG_SOCKET_ENV);
            Path socket = override == null || override.isEmpty() ? SyslogWriter.DEV_LOG : Path.of(override);
            try {
                SyslogServiceProvider.select(SyslogWriter.open(socket, VisiblePid.get(), System.err), slf4j(level));
                toSyslog = true;
                return;
            } catch (ErrnoException e) {
                failure = e.getMessage();
            }
        }
        setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", level.name().toLowerCase());
        setIfAbsent("org.slf4j.simpleLogger.logFile", "System.err");
        setIfAbsent("org.slf4j.simpleLogger.showDateTime", "true");
        setIfAbsent("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
        setIfAbsent("org.slf4j.simpleLogger.showThreadName", "false");
        setIfAbsent("org.slf4j.simpleLogger.showShortLogName", "true");
        setIfAbsent("org.slf4j.simpleLogger.levelInBrackets", "true");
        if (failure != null) {
            LoggerFactory.getLogger(Logging.class).warn("can't enable syslog ({}): logging to stderr", failure);
        }
    }

    /** Whether log lines go to the system log (the seccomp filter must then allow sendto). */
    static boolean toSyslog() {
        return toSyslog;
    }

    private static Level slf4j(LogLevel level) {
        return level == LogLevel.OFF ? null : Level.valueOf(level.name());
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
