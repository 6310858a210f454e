package dev.jvirtiofsd.protocol;

/**
 * The small per-request flag sets of {@code linux/fuse.h}; each constant is the kernel's
 * {@code FUSE_<name>}.
 */
public final class FuseFlags {
    /** fuse_getattr_in.getattr_flags: fh is valid. */
    public static final int GETATTR_FH = 1 << 0;

    /** fuse_write_in.write_flags: delayed write from the page cache (the handle is guessed). */
    public static final int WRITE_CACHE = 1 << 0;
    public static final int WRITE_LOCKOWNER = 1 << 1;
    public static final int WRITE_KILL_SUIDGID = 1 << 2;
    /** Obsolete alias of {@link #WRITE_KILL_SUIDGID}. */
    public static final int WRITE_KILL_PRIV = WRITE_KILL_SUIDGID;

    /** fuse_read_in.read_flags: lock_owner is valid. */
    public static final int READ_LOCKOWNER = 1 << 1;

    /** fuse_release_in.release_flags. */
    public static final int RELEASE_FLUSH = 1 << 0;
    public static final int RELEASE_FLOCK_UNLOCK = 1 << 1;

    /** fuse_fsync_in.fsync_flags: data only (fdatasync). */
    public static final int FSYNC_FDATASYNC = 1 << 0;

    /** fuse_attr.flags. */
    public static final int ATTR_SUBMOUNT = 1 << 0;
    public static final int ATTR_DAX = 1 << 1;

    /** fuse_open_in.open_flags / fuse_create_in.open_flags. */
    public static final int OPEN_KILL_SUIDGID = 1 << 0;

    /** fuse_setxattr_in.setxattr_flags. */
    public static final int SETXATTR_ACL_KILL_SGID = 1 << 0;

    /** fuse_lk_in.lk_flags. */
    public static final int LK_FLOCK = 1 << 0;

    /** fuse_ioctl_in.flags. */
    public static final int IOCTL_COMPAT = 1 << 0;
    public static final int IOCTL_UNRESTRICTED = 1 << 1;
    public static final int IOCTL_RETRY = 1 << 2;
    public static final int IOCTL_32BIT = 1 << 3;
    public static final int IOCTL_DIR = 1 << 4;
    public static final int IOCTL_COMPAT_X32 = 1 << 5;
    /** Most in plus out iovecs of an unrestricted ioctl. */
    public static final int IOCTL_MAX_IOV = 256;

    private FuseFlags() {
    }
}
