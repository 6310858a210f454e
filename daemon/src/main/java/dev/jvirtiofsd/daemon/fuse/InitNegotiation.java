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
        long flags = ALWAYS_OFFERED;
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
        return flags;
    }

    /** The flags both sides agree on: what the guest offers and we offer. */
    static long negotiate(long guestFlags, FuseServerConfig config) {
        return guestFlags & offered(config);
    }
}
