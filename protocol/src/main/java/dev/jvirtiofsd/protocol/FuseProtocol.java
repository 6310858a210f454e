package dev.jvirtiofsd.protocol;

/**
 * Version numbers and framing rules of the FUSE kernel interface ({@code linux/fuse.h}).
 * All structures are little-endian on the wire (virtio-fs uses the guest's byte order, and
 * every guest we serve is x86_64 or another little-endian machine).
 */
public final class FuseProtocol {
    /** The major version we speak (FUSE_KERNEL_VERSION). */
    public static final int KERNEL_VERSION = 7;
    /**
     * FUSE_KERNEL_MINOR_VERSION of Linux 6.1 (7.38), the header installed here: every struct of
     * it is checked against that header. Newer ones are checked by hand (see StatxLayoutTest).
     */
    public static final int KERNEL_MINOR_VERSION = 38;
    /**
     * The newest minor version we serve (Linux 6.12's 7.41: STATX, and layouts whose new members
     * replace padding we keep zeroed). INIT replies with the smaller of this and the guest's.
     */
    public static final int MAX_KERNEL_MINOR_VERSION = 41;
    /** The oldest minor version we accept (the Rust virtiofsd's limit). */
    public static final int MIN_KERNEL_MINOR_VERSION = 27;
    /** The node id of the root inode (FUSE_ROOT_ID). */
    public static final long ROOT_ID = 1;

    /** Extension types 0..FUSE_MAX_NR_SECCTX are security-context headers (enum fuse_ext_type). */
    public static final int MAX_NR_SECCTX = 31;
    /** Extension type of the supplementary-groups extension (FUSE_EXT_GROUPS, 7.38). */
    public static final int EXT_GROUPS = 32;

    /** Variable-length records (dirents, extensions) are aligned to 8 bytes (FUSE_REC_ALIGN). */
    public static int recAlign(int length) {
        return (length + 7) & ~7;
    }

    private FuseProtocol() {
    }
}
