package dev.jvirtiofsd.daemon.cli;

/** {@code --log-level}, the Rust virtiofsd's names. */
public enum LogLevel {
    ERROR, WARN, INFO, DEBUG, TRACE, OFF
}
