package dev.jvirtiofsd.vhostuser;

import dev.jvirtiofsd.vhostuser.memory.InvalidRegionException;
import dev.jvirtiofsd.vhostuser.memory.MemoryMap;
import dev.jvirtiofsd.vhostuser.memory.RegionDescription;
import dev.jvirtiofsd.vhostuser.message.Features;
import dev.jvirtiofsd.vhostuser.message.Header;
import dev.jvirtiofsd.vhostuser.message.Payload;
import dev.jvirtiofsd.vhostuser.message.Request;
import dev.jvirtiofsd.vhostuser.sys.Errno;
import dev.jvirtiofsd.vhostuser.sys.ErrnoException;
import dev.jvirtiofsd.vhostuser.sys.Fds;
import dev.jvirtiofsd.vhostuser.sys.MessageSocket;
import java.io.EOFException;
import java.io.IOException;
import java.net.ProtocolException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One frontend connection: reads messages, validates them (exact payload size, fd count, queue
 * index, negotiated features), applies them to the device state, and replies.
 *
 * <p>A message that is unknown or malformed, or that cannot be applied, is refused: it gets an
 * error reply when a reply is due, a log line, and the connection goes on. Only a message that
 * breaks the framing (short read, unsupported version, payload over {@link Header#MAX_PAYLOAD})
 * ends the connection.
 */
final class BackendConnection {
    private static final Logger LOG = LoggerFactory.getLogger(BackendConnection.class);
    private static final int MAX_FDS = Payload.MEMORY_TABLE_MAX_REGIONS;
    private static final long ACK_OK = 0;
    private static final long ACK_FAILED = 1;

    private final VirtioDevice device;
    private final MessageSocket socket;
    private final ExecutorService pool;
    private final ThreadFactory threadFactory;
    private final MemoryMap memory = new MemoryMap();
    private final Vring[] vrings;
    private final byte[] config;
    private final long offeredFeatures;
    private final long offeredProtocolFeatures;
    private final ByteBuffer header = ByteBuffer.allocateDirect(Header.SIZE).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer payload = ByteBuffer.allocateDirect(Header.MAX_PAYLOAD).order(ByteOrder.LITTLE_ENDIAN);

    private long ackedFeatures;
    private long protocolFeatures;
    private boolean owned;
    private int backendRequestFd = -1;

    BackendConnection(VirtioDevice device, int connectedFd, ExecutorService pool, ThreadFactory threadFactory) {
        this.device = device;
        this.socket = new MessageSocket(connectedFd, MAX_FDS);
        this.pool = pool;
        this.threadFactory = threadFactory;
        this.config = device.config();
        this.vrings = new Vring[device.queueCount()];
        for (int i = 0; i < vrings.length; i++) {
            vrings[i] = new Vring(i);
        }
        this.offeredFeatures = Features.TRANSPORT | device.deviceFeatures();
        this.offeredProtocolFeatures = Features.PROTOCOL_OFFERED | (config != null ? Features.PROTOCOL_CONFIG : 0);
    }

    /** Serves messages until the frontend disconnects; throws when it breaks the framing. */
    void run() throws IOException {
        try {
            while (true) {
                Message message = readMessage();
                if (message == null) {
                    LOG.info("Frontend disconnected");
                    return;
                }
                handle(message);
                if (memory.hasRetired() && noRingStarted()) {
                    memory.releaseRetired();
                }
            }
        } finally {
            shutDown();
        }
    }

    /** Stops every ring, unmaps memory, resets the device and closes the socket. */
    private void shutDown() {
        for (Vring vring : vrings) {
            try {
                vring.reset();
            } catch (RuntimeException e) {
                LOG.error("Stopping queue {} failed", vring.index(), e);
            }
        }
        memory.close();
        Fds.closeQuietly(backendRequestFd);
        backendRequestFd = -1;
        resetDevice();
        socket.close();
    }

    /** One received message: header fields, payload, and the fds not yet taken by a handler. */
    private static final class Message {
        final int request;
        final int flags;
        final ByteBuffer payload;
        final int[] fds;
        final boolean fdsTruncated;

        Message(int request, int flags, ByteBuffer payload, int[] fds, boolean fdsTruncated) {
            this.request = request;
            this.flags = flags;
            this.payload = payload;
            this.fds = fds;
            this.fdsTruncated = fdsTruncated;
        }

        /** Takes fd {@code i}; the caller owns it from now on. */
        int takeFd(int i) {
            int fd = fds[i];
            fds[i] = -1;
            return fd;
        }

        void closeUntakenFds() {
            Fds.closeAll(fds);
        }
    }

    /** Reads the next message, or null at end of stream between messages. */
    private Message readMessage() throws IOException {
        header.clear();
        MessageSocket.Received received;
        try {
            received = socket.receive(header);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ECONNRESET) {
                return null;
            }
            throw e;
        }
        int[] fds = received.fds();
        try {
            if (received.bytes() == 0) {
                Fds.closeAll(fds);
                return null;
            }
            if (header.hasRemaining()) {
                socket.readFully(header);
            }
            int request = header.getInt(0);
            int flags = header.getInt(4);
            int size = header.getInt(8);
            if ((flags & Header.VERSION_MASK) != Header.VERSION) {
                throw new ProtocolException("message " + Request.name(request) + " has protocol version "
                        + (flags & Header.VERSION_MASK) + ", expected " + Header.VERSION);
            }
            if (size < 0 || size > Header.MAX_PAYLOAD) {
                throw new ProtocolException("message " + Request.name(request) + " has a payload of "
                        + Integer.toUnsignedString(size) + " bytes, more than " + Header.MAX_PAYLOAD);
            }
            payload.clear().limit(size);
            socket.readFully(payload);
            payload.flip();
            return new Message(request, flags, payload.slice().order(ByteOrder.LITTLE_ENDIAN), fds,
                    received.fdsTruncated());
        } catch (IOException | RuntimeException e) {
            Fds.closeAll(fds);
            if (e instanceof EOFException) {
                throw new ProtocolException("frontend closed the connection inside a message");
            }
            throw e;
        }
    }

    /** A message that cannot be applied; the reason is logged and an error reply sent if due. */
    private static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message, null, false, false);
        }
    }

    private void handle(Message message) throws IOException {
        int request = message.request;
        ByteBuffer reply = null;
        boolean failed = false;
        try {
            validate(message);
            reply = dispatch(message);
        } catch (Refused e) {
            failed = true;
            LOG.warn("Refused {}: {}", Request.name(request), e.getMessage());
        } catch (RuntimeException e) {
            failed = true;
            LOG.error("Handling {} failed", Request.name(request), e);
        } finally {
            message.closeUntakenFds();
        }
        if (Request.hasReply(request)) {
            sendReply(request, failed || reply == null ? ByteBuffer.allocate(0) : reply);
        } else if ((message.flags & Header.NEED_REPLY) != 0 && (protocolFeatures & Features.PROTOCOL_REPLY_ACK) != 0) {
            sendReply(request, u64(failed ? ACK_FAILED : ACK_OK));
        }
    }

    /** Checks what every message must satisfy: flags, known request, payload size, fds. */
    private void validate(Message message) throws Refused {
        if ((message.flags & ~(Header.VERSION_MASK | Header.NEED_REPLY)) != 0) {
            throw new Refused(String.format("unexpected flags 0x%x", message.flags));
        }
        int expected = Request.payloadSize(message.request);
        if (expected == Request.UNKNOWN) {
            throw new Refused("unsupported message (" + message.payload.remaining() + " bytes of payload, "
                    + message.fds.length + " fds)");
        }
        if (expected >= 0 && message.payload.remaining() != expected) {
            throw new Refused("payload of " + message.payload.remaining() + " bytes, expected " + expected);
        }
        if (message.fdsTruncated) {
            throw new Refused("more than " + MAX_FDS + " fds");
        }
    }

    private ByteBuffer dispatch(Message m) throws Refused {
        switch (m.request) {
            case Request.GET_FEATURES:
                expectFds(m, 0);
                return u64(offeredFeatures);
            case Request.SET_FEATURES:
                expectFds(m, 0);
                setFeatures(m.payload.getLong(0));
                return null;
            case Request.SET_OWNER:
                expectFds(m, 0);
                if (owned) {
                    throw new Refused("the connection already has an owner");
                }
                owned = true;
                return null;
            case Request.RESET_OWNER:
                expectFds(m, 0);
                resetRings();
                owned = false;
                return null;
            case Request.RESET_DEVICE:
                expectFds(m, 0);
                resetRings();
                return null;
            case Request.GET_PROTOCOL_FEATURES:
                expectFds(m, 0);
                return u64(offeredProtocolFeatures);
            case Request.SET_PROTOCOL_FEATURES:
                expectFds(m, 0);
                setProtocolFeatures(m.payload.getLong(0));
                return null;
            case Request.GET_QUEUE_NUM:
                expectFds(m, 0);
                return u64(vrings.length);
            case Request.SET_MEM_TABLE:
                setMemTable(m);
                return null;
            case Request.GET_MAX_MEM_SLOTS:
                expectFds(m, 0);
                requireProtocolFeature(Features.PROTOCOL_CONFIGURE_MEM_SLOTS, "CONFIGURE_MEM_SLOTS");
                return u64(MemoryMap.MAX_REGIONS);
            case Request.ADD_MEM_REG:
                addMemoryRegion(m);
                return null;
            case Request.REM_MEM_REG:
                removeMemoryRegion(m);
                return null;
            case Request.SET_VRING_NUM:
                expectFds(m, 0);
                setVringNum(Payload.readVringState(m.payload));
                return null;
            case Request.SET_VRING_ADDR:
                expectFds(m, 0);
                setVringAddress(Payload.readVringAddress(m.payload));
                return null;
            case Request.SET_VRING_BASE:
                expectFds(m, 0);
                setVringBase(Payload.readVringState(m.payload));
                return null;
            case Request.GET_VRING_BASE:
                expectFds(m, 0);
                return getVringBase(Payload.readVringState(m.payload));
            case Request.SET_VRING_KICK:
            case Request.SET_VRING_CALL:
            case Request.SET_VRING_ERR:
                setVringFd(m);
                return null;
            case Request.SET_VRING_ENABLE:
                expectFds(m, 0);
                setVringEnable(Payload.readVringState(m.payload));
                return null;
            case Request.SET_BACKEND_REQ_FD:
                expectFds(m, 1);
                Fds.closeQuietly(backendRequestFd);
                backendRequestFd = m.takeFd(0);
                return null;
            case Request.GET_CONFIG:
                return getConfig(m);
            case Request.SET_CONFIG:
                checkConfigRequest(m);
                return null;
            default:
                throw new Refused("unsupported message");
        }
    }

    private void setFeatures(long features) throws Refused {
        long unknown = features & ~offeredFeatures;
        if (unknown != 0) {
            throw new Refused(String.format("features 0x%x were not offered", unknown));
        }
        ackedFeatures = features;
        if ((features & Features.PROTOCOL_FEATURES) == 0) {
            // Without protocol features there is no SET_VRING_ENABLE: rings are enabled at once.
            for (Vring vring : vrings) {
                vring.setEnabled(true);
            }
        }
    }

    private void setProtocolFeatures(long features) throws Refused {
        long unknown = features & ~offeredProtocolFeatures;
        if (unknown != 0) {
            throw new Refused(String.format("protocol features 0x%x were not offered", unknown));
        }
        protocolFeatures = features;
    }

    private void resetRings() {
        for (Vring vring : vrings) {
            vring.reset();
        }
        ackedFeatures = 0;
        resetDevice();
    }

    private void resetDevice() {
        try {
            device.reset();
        } catch (RuntimeException e) {
            LOG.error("Device reset failed", e);
        }
    }

    private void setMemTable(Message m) throws Refused {
        ByteBuffer p = m.payload;
        if (p.remaining() < Payload.MEMORY_TABLE_HEADER_SIZE) {
            throw new Refused("payload of " + p.remaining() + " bytes is shorter than the table header");
        }
        int count = p.getInt(0);
        if (count < 1 || count > Payload.MEMORY_TABLE_MAX_REGIONS) {
            throw new Refused(Integer.toUnsignedString(count) + " regions, expected 1 to "
                    + Payload.MEMORY_TABLE_MAX_REGIONS);
        }
        int expected = Payload.MEMORY_TABLE_HEADER_SIZE + count * RegionDescription.WIRE_SIZE;
        if (p.remaining() != expected) {
            throw new Refused("payload of " + p.remaining() + " bytes for " + count + " regions, expected " + expected);
        }
        expectFds(m, count);
        List<RegionDescription> regions = new ArrayList<>(count);
        int[] fds = new int[count];
        for (int i = 0; i < count; i++) {
            regions.add(Payload.readRegion(p, Payload.MEMORY_TABLE_HEADER_SIZE + i * RegionDescription.WIRE_SIZE));
            fds[i] = m.takeFd(i);
        }
        try {
            memory.replace(regions, fds);
        } catch (InvalidRegionException e) {
            throw new Refused(e.getMessage());
        }
        LOG.debug("Memory table set: {}", regions);
    }

    private void addMemoryRegion(Message m) throws Refused {
        requireProtocolFeature(Features.PROTOCOL_CONFIGURE_MEM_SLOTS, "CONFIGURE_MEM_SLOTS");
        expectFds(m, 1);
        RegionDescription region = Payload.readRegion(m.payload, 8);
        try {
            memory.add(region, m.takeFd(0));
        } catch (InvalidRegionException e) {
            throw new Refused(e.getMessage());
        }
        LOG.debug("Memory region added: {}", region);
    }

    private void removeMemoryRegion(Message m) throws Refused {
        requireProtocolFeature(Features.PROTOCOL_CONFIGURE_MEM_SLOTS, "CONFIGURE_MEM_SLOTS");
        // The specification allows one (unused) fd for compatibility; it is closed unread.
        if (m.fds.length > 1) {
            throw new Refused(m.fds.length + " fds, expected 0 or 1");
        }
        RegionDescription region = Payload.readRegion(m.payload, 8);
        try {
            memory.remove(region);
        } catch (InvalidRegionException e) {
            throw new Refused(e.getMessage());
        }
        LOG.debug("Memory region removed: {}", region);
    }

    private void setVringNum(Payload.VringState state) throws Refused {
        Vring vring = stoppedVring(state.index());
        long num = state.num();
        int max = Math.min(Vring.MAX_SIZE, device.maxQueueSize());
        if (num < 1 || num > max || Long.bitCount(num) != 1) {
            throw new Refused("queue " + vring.index() + ": size " + num + " is not a power of two from 1 to " + max);
        }
        vring.setSize((int) num);
    }

    private void setVringAddress(Payload.VringAddress address) throws Refused {
        Vring vring = stoppedVring(address.index());
        vring.clearAddresses();
        if ((address.descriptors() & 15) != 0 || (address.available() & 1) != 0 || (address.used() & 3) != 0) {
            throw new Refused(String.format("queue %d: misaligned ring addresses desc 0x%x avail 0x%x used 0x%x",
                    vring.index(), address.descriptors(), address.available(), address.used()));
        }
        vring.setAddresses(address.descriptors(), address.available(), address.used());
        if (memory.current().regionCount() > 0 && vring.size() > 0) {
            String problem = vring.checkAddresses(memory.current());
            if (problem != null) {
                vring.clearAddresses();
                throw new Refused("queue " + vring.index() + ": " + problem);
            }
        }
    }

    private void setVringBase(Payload.VringState state) throws Refused {
        Vring vring = stoppedVring(state.index());
        if (state.num() > 0xffff) {
            throw new Refused("queue " + vring.index() + ": base " + state.num() + " does not fit a split ring");
        }
        vring.setBase((int) state.num());
    }

    private ByteBuffer getVringBase(Payload.VringState state) throws Refused {
        Vring vring = vring(state.index());
        vring.stop();
        ByteBuffer reply = ByteBuffer.allocate(Payload.VRING_STATE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        Payload.writeVringState(reply, vring.index(), vring.base());
        return reply.flip();
    }

    private void setVringFd(Message m) throws Refused {
        long value = m.payload.getLong(0);
        if ((value & ~(Payload.VRING_INDEX_MASK | Payload.VRING_NO_FD)) != 0) {
            throw new Refused(String.format("reserved bits set in 0x%x", value));
        }
        Vring vring = vring((int) (value & Payload.VRING_INDEX_MASK));
        boolean noFd = (value & Payload.VRING_NO_FD) != 0;
        expectFds(m, noFd ? 0 : 1);
        int fd = noFd ? -1 : m.takeFd(0);
        switch (m.request) {
            case Request.SET_VRING_KICK:
                vring.stop();
                vring.setKickFd(fd);
                if (noFd) {
                    LOG.warn("Queue {}: no kick fd (polling) is not supported; the queue is not served", vring.index());
                    return;
                }
                try {
                    vring.start(memory, (ackedFeatures & Features.RING_EVENT_IDX) != 0, device, pool, threadFactory);
                } catch (Vring.RingException e) {
                    throw new Refused(e.getMessage());
                }
                if ((ackedFeatures & Features.PROTOCOL_FEATURES) == 0) {
                    vring.setEnabled(true);
                }
                return;
            case Request.SET_VRING_CALL:
                vring.setCallFd(fd);
                return;
            default:
                vring.setErrFd(fd);
        }
    }

    private void setVringEnable(Payload.VringState state) throws Refused {
        Vring vring = vring(state.index());
        if (state.num() > 1) {
            throw new Refused("queue " + vring.index() + ": enable value " + state.num() + " is neither 0 nor 1");
        }
        vring.setEnabled(state.num() == 1);
    }

    private ByteBuffer getConfig(Message m) throws Refused {
        int[] range = checkConfigRequest(m);
        ByteBuffer reply = ByteBuffer.allocate(Payload.CONFIG_HEADER_SIZE + range[1]).order(ByteOrder.LITTLE_ENDIAN);
        reply.putInt(range[0]).putInt(range[1]).putInt(m.payload.getInt(8));
        for (int i = 0; i < range[1]; i++) {
            int at = range[0] + i;
            reply.put(at < config.length ? config[at] : 0);
        }
        return reply.flip();
    }

    /** Validates a GET_CONFIG/SET_CONFIG payload; returns {offset, size}. */
    private int[] checkConfigRequest(Message m) throws Refused {
        if (config == null) {
            throw new Refused("unsupported message: the device has no config space");
        }
        requireProtocolFeature(Features.PROTOCOL_CONFIG, "CONFIG");
        expectFds(m, 0);
        ByteBuffer p = m.payload;
        if (p.remaining() < Payload.CONFIG_HEADER_SIZE) {
            throw new Refused("payload of " + p.remaining() + " bytes is shorter than the config header");
        }
        int offset = p.getInt(0);
        int size = p.getInt(4);
        if (size < 0 || size > Payload.CONFIG_MAX_SIZE || offset < 0 || offset > Payload.CONFIG_MAX_SIZE) {
            throw new Refused("config range " + Integer.toUnsignedString(offset) + "+" + Integer.toUnsignedString(size)
                    + " out of bounds");
        }
        if (p.remaining() != Payload.CONFIG_HEADER_SIZE + size) {
            throw new Refused("payload of " + p.remaining() + " bytes for " + size + " config bytes");
        }
        return new int[] {offset, size};
    }

    private Vring vring(int index) throws Refused {
        if (index < 0 || index >= vrings.length) {
            LOG.error("The frontend uses queue {} but this device has {} queues (0 to {}); check that the "
                    + "frontend's queue count (e.g. QEMU's num-request-queues) matches", Integer.toUnsignedString(index),
                    vrings.length, vrings.length - 1);
            throw new Refused("queue index " + Integer.toUnsignedString(index) + " out of range");
        }
        return vrings[index];
    }

    private Vring stoppedVring(int index) throws Refused {
        Vring vring = vring(index);
        if (vring.isStarted()) {
            throw new Refused("queue " + index + " is running (stop it with GET_VRING_BASE first)");
        }
        return vring;
    }

    private static void expectFds(Message m, int count) throws Refused {
        if (m.fds.length != count) {
            throw new Refused(m.fds.length + " fds, expected " + count);
        }
    }

    private void requireProtocolFeature(long feature, String name) throws Refused {
        if ((protocolFeatures & feature) == 0) {
            throw new Refused("protocol feature " + name + " was not negotiated");
        }
    }

    private boolean noRingStarted() {
        for (Vring vring : vrings) {
            if (vring.isStarted()) {
                return false;
            }
        }
        return true;
    }

    private void sendReply(int request, ByteBuffer body) throws ErrnoException {
        ByteBuffer message = ByteBuffer.allocate(Header.SIZE + body.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        Header.write(message, request, Header.VERSION | Header.REPLY, body.remaining());
        message.put(body.duplicate()).flip();
        try {
            socket.send(message);
        } catch (ErrnoException e) {
            if (e.errno() != Errno.EPIPE && e.errno() != Errno.ECONNRESET) {
                throw e;
            }
            // The frontend is gone; the next read sees the end of the stream.
            LOG.debug("Reply to {} not sent: {}", Request.name(request), e.getMessage());
        }
    }

    private static ByteBuffer u64(long value) {
        return ByteBuffer.allocate(Payload.U64_SIZE).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value);
    }
}
