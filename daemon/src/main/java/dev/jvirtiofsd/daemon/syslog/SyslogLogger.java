package dev.jvirtiofsd.daemon.syslog;

import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.FormattingTuple;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** A logger that sends what its level lets through to the system log, as "Name - message". */
final class SyslogLogger extends LegacyAbstractLogger {
    private static final long serialVersionUID = 1L;

    private final transient SyslogWriter writer;
    private final int threshold;
    private final String shortName;

    SyslogLogger(String name, SyslogWriter writer, Level threshold) {
        this.name = name;
        this.writer = writer;
        this.threshold = threshold == null ? Integer.MAX_VALUE : threshold.toInt();
        this.shortName = name.substring(name.lastIndexOf('.') + 1);
    }

    private boolean enabled(Level level) {
        return level.toInt() >= threshold;
    }

    @Override
    public boolean isTraceEnabled() {
        return enabled(Level.TRACE);
    }

    @Override
    public boolean isDebugEnabled() {
        return enabled(Level.DEBUG);
    }

    @Override
    public boolean isInfoEnabled() {
        return enabled(Level.INFO);
    }

    @Override
    public boolean isWarnEnabled() {
        return enabled(Level.WARN);
    }

    @Override
    public boolean isErrorEnabled() {
        return enabled(Level.ERROR);
    }

    @Override
    protected String getFullyQualifiedCallerName() {
        return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments,
            Throwable throwable) {
        FormattingTuple formatted = MessageFormatter.arrayFormat(pattern, arguments, throwable);
        Throwable t = formatted.getThrowable();
        writer.write(level, shortName + " - " + formatted.getMessage() + (t == null ? "" : " (" + t + ")"));
    }
}
