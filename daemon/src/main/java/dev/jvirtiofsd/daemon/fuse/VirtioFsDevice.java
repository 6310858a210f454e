package dev.jvirtiofsd.daemon.fuse;

import dev.jvirtiofsd.vhostuser.DescriptorChain;
import dev.jvirtiofsd.vhostuser.VirtioDevice;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The virtio-fs device: queue 0 is the hiprio queue (the guest sends only FORGET there), queues
 * 1..N are request queues; every queue is served the same way, by the {@link FuseServer}. The
 * frontend decides how many request queues there are (QEMU's num-request-queues; Linux 6.11+
 * spreads requests over them by CPU); the device serves up to N, each started one by a worker of
 * its own.
 */
public final class VirtioFsDevice implements VirtioDevice {
    /** Index of the hiprio queue. */
    public static final int HIPRIO_QUEUE = 0;
    /** Longest tag: {@code struct virtio_fs_config.tag} is 36 bytes, NUL-padded, not NUL-terminated. */
    public static final int MAX_TAG_BYTES = 36;
    /** sizeof(struct virtio_fs_config): tag[36], le32 num_request_queues. */
    public static final int CONFIG_BYTES = MAX_TAG_BYTES + 4;
    /**
     * The request queues the config space announces (only with --tag). One, as the Rust
     * virtiofsd: QEMU serves the config space itself, and a frontend that took ours but set up
     * fewer rings than it announced would leave the guest without queues.
     */
    static final int CONFIG_REQUEST_QUEUES = 1;

    private final FuseServer server;
    private final int requestQueues;
    private final byte[] config;

    /**
     * @param requestQueues the most request queues served (at least 1)
     * @param tag the mount tag announced in the config space ({@code --tag}), or null to leave the
     *     config space to the frontend (QEMU serves it itself)
     */
    public VirtioFsDevice(FuseServer server, int requestQueues, String tag) {
        this.server = Objects.requireNonNull(server, "server");
        if (requestQueues < 1) {
            throw new IllegalArgumentException("at least one request queue is needed, not " + requestQueues);
        }
        this.requestQueues = requestQueues;
        this.config = tag == null ? null : encodeConfig(tag, CONFIG_REQUEST_QUEUES);
    }

    @Override
    public int queueCount() {
        return 1 + requestQueues;
    }

    @Override
    public byte[] config() {
        return config == null ? null : config.clone();
    }

    @Override
    public int process(int queueIndex, DescriptorChain chain) {
        return server.handle(queueIndex, chain);
    }

    @Override
    public void reset() {
        server.reset();
    }

    private static byte[] encodeConfig(String tag, int requestQueues) {
        byte[] name = tag.getBytes(StandardCharsets.UTF_8);
        if (name.length == 0 || name.length > MAX_TAG_BYTES) {
            throw new IllegalArgumentException("the tag must be 1 to " + MAX_TAG_BYTES + " bytes long: \"" + tag + "\"");
        }
        ByteBuffer b = ByteBuffer.allocate(CONFIG_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.put(name); // the rest of the tag stays NUL
        b.putInt(MAX_TAG_BYTES, requestQueues);
        return b.array();
    }
}
