package dev.jvirtiofsd.daemon.fuse;

/**
 * The state one INIT starts and DESTROY (or a device reset) ends: whether a session is open and
 * the INIT flags both sides agreed on. Written by INIT/DESTROY only; read by every request.
 */
final class FuseSession {
    private volatile boolean open;
    private volatile long flags;

    boolean isOpen() {
        return open;
    }

    /** The negotiated INIT flags (0 outside a session). */
    long flags() {
        return flags;
    }

    boolean negotiated(long flag) {
        return (flags & flag) != 0;
    }

    void start(long negotiatedFlags) {
        flags = negotiatedFlags;
        open = true;
    }

    void end() {
        open = false;
        flags = 0;
    }
}
