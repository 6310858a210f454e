package dev.jvirtiofsd.daemon;

/**
 * The daemon's pid as other processes see it, for the socket's pid file and the system log:
 * under the namespace sandbox this JVM is PID 1 of its own pid namespace, and the pid that the
 * launcher's caller knows (and can signal) is the supervisor's, which the launcher passes on.
 * Reads no logger: logging is configured with it.
 */
final class VisiblePid {
    /** Set by bin/jvirtiofsd under the namespace sandbox: the supervisor's pid. */
    static final String SUPERVISOR_PID_ENV = "JVIRTIOFSD_SUPERVISOR_PID";

    private VisiblePid() {
    }

    static long get() {
        String outer = System.getenv(NamespaceSandbox.OUTER_NAMESPACES_ENV);
        String supervisor = System.getenv(SUPERVISOR_PID_ENV);
        if (outer != null && !outer.isBlank() && supervisor != null && supervisor.matches("[0-9]{1,10}")) {
            return Long.parseLong(supervisor);
        }
        return ProcessHandle.current().pid();
    }
}
