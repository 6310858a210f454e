package dev.jvirtiofsd.daemon.fuse;

import dev.jvirtiofsd.daemon.CachePolicy;
import java.util.Objects;

/**
 * What the FUSE server offers the guest in INIT, and which opcode groups it serves.
 *
 * @param cachePolicy {@code --cache}: attribute timeout of GETATTR/SETATTR replies, and whether
 *     READDIRPLUS may be offered (entry timeouts and FOPEN flags come from the file system)
 * @param readdirplus offer READDIRPLUS (false with {@code --no-readdirplus})
 * @param writeback offer the writeback cache ({@code --writeback})
 * @param xattr serve the extended-attribute opcodes ({@code --xattr}); otherwise they answer ENOSYS
 * @param allowMmap offer DIRECT_IO_ALLOW_MMAP ({@code --allow-mmap})
 * @param posixAcl offer POSIX_ACL with DONT_MASK and SETXATTR_EXT ({@code --posix-acl})
 * @param securityLabel offer SECURITY_CTX ({@code --security-label})
 * @param killprivV2 offer HANDLE_KILLPRIV_V2 ({@code --killpriv-v2})
 * @param posixLocks offer POSIX_LOCKS and serve GETLK/SETLK/SETLKW ({@code -o posix_lock})
 * @param flockLocks offer FLOCK_LOCKS ({@code -o flock})
 * @param announceSubmounts offer SUBMOUNTS, so that the guest mounts each directory marked
 *     FUSE_ATTR_SUBMOUNT as a filesystem of its own (off with {@code --no-announce-submounts})
 */
public record FuseServerConfig(CachePolicy cachePolicy, boolean readdirplus, boolean writeback, boolean xattr,
                               boolean allowMmap, boolean posixAcl, boolean securityLabel, boolean killprivV2,
                               boolean posixLocks, boolean flockLocks, boolean announceSubmounts) {

    public FuseServerConfig {
        Objects.requireNonNull(cachePolicy, "cachePolicy");
    }

    /** The four settings of the foundation; every later feature off. */
    public FuseServerConfig(CachePolicy cachePolicy, boolean readdirplus, boolean writeback, boolean xattr) {
        this(cachePolicy, readdirplus, writeback, xattr, false, false, false, false, false, false, false);
    }

    /** Cache auto and readdirplus on, every other feature off (the daemon sets each from its options). */
    public static FuseServerConfig defaults() {
        return new FuseServerConfig(CachePolicy.AUTO, true, false, false);
    }

    /** Whether READDIRPLUS is offered: asked for, and allowed by the cache policy. */
    public boolean offersReaddirplus() {
        return readdirplus && cachePolicy.allowsReaddirplus;
    }

    public FuseServerConfig withAllowMmap(boolean v) {
        return new FuseServerConfig(cachePolicy, readdirplus, writeback, xattr, v, posixAcl, securityLabel,
                killprivV2, posixLocks, flockLocks, announceSubmounts);
    }

    public FuseServerConfig withPosixAcl(boolean v) {
        return new FuseServerConfig(cachePolicy, readdirplus, writeback, xattr, allowMmap, v, securityLabel,
                killprivV2, posixLocks, flockLocks, announceSubmounts);
    }

    public FuseServerConfig withSecurityLabel(boolean v) {
        return new FuseServerConfig(cachePolicy, readdirplus, writeback, xattr, allowMmap, posixAcl, v,
                killprivV2, posixLocks, flockLocks, announceSubmounts);
    }

    public FuseServerConfig withKillprivV2(boolean v) {
        return new FuseServerConfig(cachePolicy, readdirplus, writeback, xattr, allowMmap, posixAcl, securityLabel,
                v, posixLocks, flockLocks, announceSubmounts);
    }

    public FuseServerConfig withPosixLocks(boolean v) {
        return new FuseServerConfig(cachePolicy, readdirplus, writeback, xattr, allowMmap, posixAcl, securityLabel,
                killprivV2, v, flockLocks, announceSubmounts);
    }

    public FuseServerConfig withAnnounceSubmounts(boolean v) {
        return new FuseServerConfig(cachePolicy, readdirplus, writeback, xattr, allowMmap, posixAcl, securityLabel,
                killprivV2, posixLocks, flockLocks, v);
    }

    public FuseServerConfig withFlockLocks(boolean v) {
        return new FuseServerConfig(cachePolicy, readdirplus, writeback, xattr, allowMmap, posixAcl, securityLabel,
                killprivV2, posixLocks, v, announceSubmounts);
    }
}
