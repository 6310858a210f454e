package dev.jvirtiofsd.daemon;

import dev.jvirtiofsd.daemon.cli.LogLevel;

/**
 * Configures slf4j-simple from {@code --log-level}. Must run before the first logger is
 * created: slf4j-simple reads its settings once.
 */
final class Logging {
    private Logging() {
    }

    static void configure(LogLevel level) {
        setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", level.name().toLowerCase());
        setIfAbsent("org.slf4j.simpleLogger.logFile", "System.err");
        setIfAbsent("org.slf4j.simpleLogger.showDateTime", "true");
        setIfAbsent("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
        setIfAbsent("org.slf4j.simpleLogger.showThreadName", "false");
        setIfAbsent("org.slf4j.simpleLogger.showShortLogName", "true");
        setIfAbsent("org.slf4j.simpleLogger.levelInBrackets", "true");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
