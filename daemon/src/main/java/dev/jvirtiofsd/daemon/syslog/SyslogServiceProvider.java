package dev.jvirtiofsd.daemon.syslog;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The slf4j provider for {@code --syslog}. Not registered as a service (slf4j-simple is the one
 * found by default, for stderr): {@link #select} names it in the {@code slf4j.provider} system
 * property, which slf4j reads when the first logger is made, and hands it the writer and level.
 */
public final class SyslogServiceProvider implements SLF4JServiceProvider {
    private static volatile SyslogWriter writer;
    private static volatile Level threshold;

    private final BasicMarkerFactory markers = new BasicMarkerFactory();
    private final NOPMDCAdapter mdc = new NOPMDCAdapter();
    private ILoggerFactory loggers;

    /** Makes slf4j log through {@code syslog} from {@code level} up (null: nothing). Before the first logger. */
    public static void select(SyslogWriter syslog, Level level) {
        writer = syslog;
        threshold = level;
        System.setProperty("slf4j.provider", SyslogServiceProvider.class.getName());
        // slf4j would announce the explicitly named provider on stderr.
        if (System.getProperty("slf4j.internal.verbosity") == null) {
            System.setProperty("slf4j.internal.verbosity", "WARN");
        }
    }

    @Override
    public void initialize() {
        SyslogWriter w = writer;
        if (w == null) {
            throw new IllegalStateException("SyslogServiceProvider used without SyslogServiceProvider.select");
        }
        Level level = threshold;
        ConcurrentMap<String, Logger> made = new ConcurrentHashMap<>();
        loggers = name -> made.computeIfAbsent(name, n -> new SyslogLogger(n, w, level));
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return loggers;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }
}
