package dev.jvirtiofsd.vhostuser.message;

/** Virtio feature bits and vhost-user protocol feature bits, as masks. */
public final class Features {
    // Virtio device features (virtio 1.2, section 6) and the vhost-user one.
    public static final long RING_INDIRECT_DESC = 1L << 28;
    public static final long RING_EVENT_IDX = 1L << 29;
    /** VHOST_USER_F_PROTOCOL_FEATURES: the backend has protocol features; rings start disabled. */
    public static final long PROTOCOL_FEATURES = 1L << 30;
    public static final long VERSION_1 = 1L << 32;

    // Protocol features (GET/SET_PROTOCOL_FEATURES).
    public static final long PROTOCOL_MQ = 1L << 0;
    public static final long PROTOCOL_LOG_SHMFD = 1L << 1;
    public static final long PROTOCOL_REPLY_ACK = 1L << 3;
    public static final long PROTOCOL_BACKEND_REQ = 1L << 5;
    public static final long PROTOCOL_CONFIG = 1L << 9;
    public static final long PROTOCOL_RESET_DEVICE = 1L << 13;
    public static final long PROTOCOL_CONFIGURE_MEM_SLOTS = 1L << 15;

    /** The transport features every backend offers, on top of the device's own. */
    public static final long TRANSPORT = VERSION_1 | RING_INDIRECT_DESC | RING_EVENT_IDX | PROTOCOL_FEATURES;

    /**
     * The protocol features the backend offers (CONFIG only for a device with a config space:
     * QEMU 7.1 to 8.0 crash when a vhost-user-fs backend offers it). No LOG_SHMFD: no dirty
     * logging yet.
     */
    public static final long PROTOCOL_OFFERED = PROTOCOL_MQ | PROTOCOL_REPLY_ACK | PROTOCOL_BACKEND_REQ
            | PROTOCOL_RESET_DEVICE | PROTOCOL_CONFIGURE_MEM_SLOTS;

    private Features() {
    }
}
