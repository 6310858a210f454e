package dev.jvirtiofsd.daemon.fs;

/**
 * The linux/fuse.h bits behind per-request identity, POSIX ACLs, security labels and
 * kill-priv, as far as the passthrough filesystem acts on them itself.
 */
final class IdentityFlags {
    // INIT flags
    static final long FUSE_DONT_MASK = 1L << 6;
    static final long FUSE_POSIX_ACL = 1L << 20;
    static final long FUSE_HANDLE_KILLPRIV_V2 = 1L << 28;
    static final long FUSE_SECURITY_CTX = 1L << 32;
    /** FUSE 7.39 (Linux 6.7); not in every installed header. */
    static final long FUSE_CREATE_SUPP_GROUP = 1L << 34;

    // fuse_write_in.write_flags
    static final int FUSE_WRITE_KILL_SUIDGID = 1 << 2;

    // fuse_setattr_in.valid
    static final int FATTR_KILL_SUIDGID = 1 << 11;

    private IdentityFlags() {
    }
}
