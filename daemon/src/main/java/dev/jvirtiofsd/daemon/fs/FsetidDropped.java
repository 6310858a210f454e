package dev.jvirtiofsd.daemon.fs;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.jvirtiofsd.daemon.sys.Syscalls;
import dev.jvirtiofsd.daemon.sys.ThreadIdentity;

/**
 * CAP_FSETID out of the calling thread's effective set for the length of one call, so that the
 * host kernel clears suid/sgid on a write, truncate or O_TRUNC open as it would for the guest's
 * unprivileged writer (FUSE_HANDLE_KILLPRIV_V2). The other threads keep theirs. A
 * try-with-resources scope, one reused instance per thread:
 *
 * <pre>
 * try (FsetidDropped dropped = FsetidDropped.enter()) {
 *     if (dropped.error() &lt; 0) return dropped.error();
 *     ... the write ...
 * }
 * </pre>
 */
final class FsetidDropped implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FsetidDropped.class);
    private static final ThreadLocal<FsetidDropped> THREAD = ThreadLocal.withInitial(FsetidDropped::new);
    private static final long FSETID = 1L << ThreadIdentity.CAP_FSETID;

    private long saved;
    private boolean dropped;
    private int error;

    private FsetidDropped() {
    }

    static FsetidDropped enter() {
        FsetidDropped d = THREAD.get();
        d.dropped = false;
        d.error = 0;
        long caps = ThreadIdentity.effectiveCapabilities();
        if (caps < 0) {
            d.error = (int) caps;
        } else if ((caps & FSETID) != 0) {
            int ret = ThreadIdentity.setEffectiveCapabilities(caps & ~FSETID);
            if (ret < 0) {
                d.error = ret;
            } else {
                d.saved = caps;
                d.dropped = true;
            }
        }
        return d;
    }

    /** 0, or the negative errno of the capability calls (nothing was changed then). */
    int error() {
        return error;
    }

    @Override
    public void close() {
        if (dropped) {
            dropped = false;
            int ret = ThreadIdentity.setEffectiveCapabilities(saved);
            if (ret < 0) {
                LOG.error("cannot restore CAP_FSETID on thread {}: {}", Thread.currentThread().getName(),
                        Syscalls.strerror(-ret));
            }
        }
    }
}
