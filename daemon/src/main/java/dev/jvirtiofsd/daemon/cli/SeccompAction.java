package dev.jvirtiofsd.daemon.cli;

/** {@code --seccomp}: what happens when the daemon makes a system call outside its allowlist. */
public enum SeccompAction {
    /** No filter at all. */
    NONE,
    /** The whole process dies of SIGSYS (the Rust virtiofsd's default). */
    KILL,
    /** The call is allowed and the kernel logs it (audit record type 1326). */
    LOG,
    /** The calling thread gets SIGSYS, which the JVM does not handle: the process dies with a report. */
    TRAP
}
