package dev.jvirtiofsd.daemon.fuse;

import dev.jvirtiofsd.protocol.Opcode;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs bad requests without letting a hostile guest flood the log: the first of each
 * {@link Malformation} on each queue is a warning, the rest go to debug.
 */
final class MalformedRequestLog {
    private static final Logger LOG = LoggerFactory.getLogger(FuseServer.class);
    /** Queues beyond this share the last slot (virtio-fs devices have a handful). */
    private static final int QUEUE_SLOTS = 256;

    /** Per queue: a bit per Malformation already warned about. */
    private final AtomicLongArray warned = new AtomicLongArray(QUEUE_SLOTS + 1);

    /** Reports one bad request; {@code detail} is a number worth seeing (a length, a size). */
    void report(int queue, Malformation kind, int opcode, long unique, long detail) {
        if (firstOnQueue(queue, kind)) {
            LOG.warn("queue {}: {} {} (unique {}, detail {}); answered without the file system"
                + " (further ones on this queue logged at debug)", queue, what(kind, opcode), kind.description,
                unique, detail);
        } else if (LOG.isDebugEnabled()) {
            LOG.debug("queue {}: {} {} (unique {}, detail {})", queue, what(kind, opcode), kind.description,
                unique, detail);
        }
    }

    /** The opcode's name, unless the header was too short to hold one. */
    private static String what(Malformation kind, int opcode) {
        return kind == Malformation.SHORT_HEADER ? "FUSE" : Opcode.name(opcode);
    }

    /** Reports an exception that escaped the handling of a request. */
    void reportException(int queue, int opcode, long unique, Throwable t) {
        if (firstOnQueue(queue, Malformation.INTERNAL_ERROR)) {
            LOG.warn("queue {}: {} (unique {}): {}; answered EIO (further ones on this queue logged at debug)",
                queue, Opcode.name(opcode), unique, Malformation.INTERNAL_ERROR.description, t);
        } else if (LOG.isDebugEnabled()) {
            LOG.debug("queue {}: {} (unique {}): {}", queue, Opcode.name(opcode), unique,
                Malformation.INTERNAL_ERROR.description, t);
        }
    }

    private boolean firstOnQueue(int queue, Malformation kind) {
        int slot = queue >= 0 && queue < QUEUE_SLOTS ? queue : QUEUE_SLOTS;
        long bit = 1L << kind.ordinal();
        while (true) {
            long seen = warned.get(slot);
            if ((seen & bit) != 0) {
                return false;
            }
            if (warned.compareAndSet(slot, seen, seen | bit)) {
                return true;
            }
        }
    }
}
