package dev.jvirtiofsd.daemon.fuse;

import dev.jvirtiofsd.protocol.FuseProtocol;
import dev.jvirtiofsd.protocol.InitFlags;

/**
 * The FUSE INIT rules: which protocol versions we accept and which INIT flags we offer. We
 * offer only what the server and file system implement (a flag the guest acts on but we do
 * not honour breaks the mount; e.g. a 6.12 guest fails on ALLOW_IDMAP without POSIX_ACL).
 */
final class InitNegotiation {

    /** What to do with the guest's protocol version. */
    enum Verdict {
        /** A 7.x we can serve. */
        ACCEPT,
        /** A newer major: reply with only our version, the kernel then retries with 7.x. */
        ANSWER_VERSION_ONLY,
        /** Too old: EPROTO. */
        REJECT
    }

    /** Always offered (when the guest offers them too). */
    static final long ALWAYS_OFFERED = InitFlags.ASYNC_READ | InitFlags.ATOMIC_O_TRUNC | InitFlags.BIG_WRITES
        | InitFlags.AUTO_INVAL_DATA | InitFlags.ASYNC_DIO | InitFlags.PARALLEL_DIROPS | InitFlags.MAX_PAGES
        | InitFlags.INIT_EXT;

    static final long READDIRPLUS = InitFlags.DO_READDIRPLUS | InitFlags.READDIRPLUS_AUTO;

    /** --posix-acl needs all three: ACL xattrs, the umask left to us, and setxattr's ACL flags. */
    static final long POSIX_ACL = InitFlags.POSIX_ACL | InitFlags.DONT_MASK | InitFlags.SETXATTR_EXT;

    private InitNegotiation() {
    }

    static Verdict judge(int major, int minor) {
        int versus = Integer.compareUnsigned(major, FuseProtocol.KERNEL_VERSION);
        if (versus < 0) {
            return Verdict.REJECT;
        }
        if (versus > 0) {
            return Verdict.ANSWER_VERSION_ONLY;
        }
        return Integer.compareUnsigned(minor, FuseProtocol.MIN_KERNEL_MINOR_VERSION) < 0
            ? Verdict.REJECT : Verdict.ACCEPT;
    }

    /** The flags this configuration offers. */
    static long offered(FuseServerConfig config) {
        // The guest's supplementary groups on create: harmless to offer, needed to check them.
        long flags = ALWAYS_OFFERED | InitFlags.CREATE_SUPP_GROUP;
        if (config.posixAcl()) {
            flags |= POSIX_ACL;
        }
        if (config.securityLabel()) {
            flags |= InitFlags.SECURITY_CTX;
        }
        if (config.killprivV2()) {
            flags |= InitFlags.HANDLE_KILLPRIV_V2;
        }
        if (config.offersReaddirplus()) {
            flags |= READDIRPLUS;
        }
        if (config.writeback()) {
            flags |= InitFlags.WRITEBACK_CACHE;
        }
        if (config.allowMmap()) {
            flags |= InitFlags.DIRECT_IO_ALLOW_MMAP;
        }
        if (config.posixLocks()) {
            flags |= InitFlags.POSIX_LOCKS;
        }
        if (config.flockLocks()) {
            flags |= InitFlags.FLOCK_LOCKS;
        }
        if (config.announceSubmounts()) {
            flags |= InitFlags.SUBMOUNTS;
        }
        return flags;
    }

    /**
     * Whether the guest lacks a flag an enabled option cannot do without (the Rust virtiofsd's
     * rule: INIT then fails with EPROTO rather than serving without ACLs or labels). Returns the
     * missing flags, 0 if none.
     */
    static long missingRequired(long guestFlags, FuseServerConfig config) {
        long required = 0;
        if (config.posixAcl()) {
            required |= POSIX_ACL;
        }
        if (config.securityLabel()) {
            required |= InitFlags.SECURITY_CTX;
        }
        return required & ~guestFlags;
    }

    /** The flags both sides agree on: what the guest offers and we offer. */
    static long negotiate(long guestFlags, FuseServerConfig config) {
        return guestFlags & offered(config);
    }
}
