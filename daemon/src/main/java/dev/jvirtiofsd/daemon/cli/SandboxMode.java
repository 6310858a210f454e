package dev.jvirtiofsd.daemon.cli;

/** {@code --sandbox}: how the daemon isolates itself from the rest of the host. */
public enum SandboxMode {
    /**
     * New mount, pid and network namespaces (and a user namespace for a user other than root),
     * made by the launcher, the shared directory as root.
     */
    NAMESPACE,
    /** chroot into the shared directory (root only). */
    CHROOT,
    /** No isolation: confinement rests on the daemon's fd-relative, no-follow path handling. */
    NONE
}
