package dev.jvirtiofsd.vhostuser.frontend;

import dev.jvirtiofsd.vhostuser.memory.RegionDescription;
import dev.jvirtiofsd.vhostuser.message.Features;
import dev.jvirtiofsd.vhostuser.message.Header;
import dev.jvirtiofsd.vhostuser.message.Payload;
import dev.jvirtiofsd.vhostuser.message.Request;
import dev.jvirtiofsd.vhostuser.sys.ErrnoException;
import dev.jvirtiofsd.vhostuser.sys.EventFd;
import dev.jvirtiofsd.vhostuser.sys.Fds;
import dev.jvirtiofsd.vhostuser.sys.MessageSocket;
import dev.jvirtiofsd.vhostuser.sys.Mmap;
import dev.jvirtiofsd.vhostuser.sys.NativeMemory;
import dev.jvirtiofsd.vhostuser.sys.UnixSockets;
import java.io.IOException;
import java.net.ProtocolException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;

/**
 * The frontend (QEMU) side of vhost-user, for tests and load generation: owns guest memory (a
 * memfd mapped here), performs the start-up handshake in QEMU 7.2's order, and drives the queues
 * as a guest driver would ({@link DriverQueue}).
 *
 * <p>It also gives raw protocol access ({@link #sendMessage}, {@link #readReply}) so tests can
 * send anything a hostile or broken frontend might.
 *
 * <p>Protocol methods are synchronized; each {@link DriverQueue} is driven by one thread.
 */
public final class VhostUserFrontend implements AutoCloseable {
    /** Protocol features this frontend understands (QEMU's mask, minus what it does not do). */
    private static final long PROTOCOL_FEATURES_WANTED = Features.PROTOCOL_MQ | Features.PROTOCOL_REPLY_ACK
            | Features.PROTOCOL_BACKEND_REQ | Features.PROTOCOL_CONFIGURE_MEM_SLOTS | Features.PROTOCOL_RESET_DEVICE;
    private static final int ALLOC_ALIGNMENT = 64;
    private static final long RING_ALIGNMENT = 4096;

    private final FrontendOptions options;
    private final MessageSocket socket;
    private final int memoryFd;
    private final long memory;
    private final long memoryBytes;
    private final List<RegionDescription> regions = new ArrayList<>();
    private final List<DriverQueue> queues = new ArrayList<>();
    private final List<Integer> spareFds = new ArrayList<>();
    /** roundTrip's reusable buffers, by (queue, slot): {guest address, capacity}. */
    private final Map<Long, long[]> scratchBuffers = new HashMap<>();
    /** Requests sent with {@link #post} and not yet seen returned, by queue, then by head. */
    private final Map<Integer, Map<Integer, PostedRequest>> posted = new ConcurrentHashMap<>();
    private long offeredFeatures;
    private long features;
    private long offeredProtocolFeatures;
    private long protocolFeatures;
    private int queueCount = 1;
    private long maxMemSlots;
    private int backendChannelFd = -1;
    private long allocStart;
    private long allocNext;
    private boolean closed;

    private VhostUserFrontend(FrontendOptions options, int socketFd, int memoryFd, long memory) {
        this.options = options;
        this.socket = new MessageSocket(socketFd, 8);
        this.memoryFd = memoryFd;
        this.memory = memory;
        this.memoryBytes = options.memoryBytes();
    }

    /**
     * Connects to a backend listening at {@code socket} and sets the device up: negotiation,
     * guest memory, and every queue {@code options} asks for, started and enabled.
     */
    public static VhostUserFrontend connect(Path socket, FrontendOptions options) throws IOException {
        int memoryFd = Fds.memfdCreate("jvirtiofsd-guest-ram", options.memoryBytes());
        long memory;
        try {
            memory = Mmap.mapShared(memoryFd, 0, options.memoryBytes());
        } catch (ErrnoException e) {
            Fds.closeQuietly(memoryFd);
            throw e;
        }
        int socketFd;
        try {
            socketFd = UnixSockets.connect(socket);
        } catch (ErrnoException e) {
            unmapQuietly(memory, options.memoryBytes());
            Fds.closeQuietly(memoryFd);
            throw e;
        }
        VhostUserFrontend frontend = new VhostUserFrontend(options, socketFd, memoryFd, memory);
        try {
            frontend.handshake();
            return frontend;
        } catch (IOException | RuntimeException e) {
            frontend.close();
            throw e;
        }
    }

    /** The start-up sequence QEMU 7.2 sends to a vhost-user-fs backend (then QEMU 10's enable). */
    private void handshake() throws IOException {
        offeredFeatures = getU64(Request.GET_FEATURES);
        if ((offeredFeatures & Features.PROTOCOL_FEATURES) != 0) {
            offeredProtocolFeatures = getU64(Request.GET_PROTOCOL_FEATURES);
            protocolFeatures = offeredProtocolFeatures & PROTOCOL_FEATURES_WANTED;
            send(Request.SET_PROTOCOL_FEATURES, u64(protocolFeatures));
        }
        if ((protocolFeatures & Features.PROTOCOL_MQ) != 0) {
            queueCount = (int) getU64(Request.GET_QUEUE_NUM);
        }
        if ((protocolFeatures & Features.PROTOCOL_CONFIGURE_MEM_SLOTS) != 0) {
            maxMemSlots = getU64(Request.GET_MAX_MEM_SLOTS);
        }
        if ((protocolFeatures & Features.PROTOCOL_BACKEND_REQ) != 0) {
            int[] pair = UnixSockets.socketPair();
            backendChannelFd = pair[0];
            try {
                sendExpectingAck(Request.SET_BACKEND_REQ_FD, ByteBuffer.allocate(0), pair[1]);
            } finally {
                Fds.closeQuietly(pair[1]);
            }
        }
        send(Request.SET_OWNER, ByteBuffer.allocate(0));
        getU64(Request.GET_FEATURES);

        int started = options.queues() == 0 ? queueCount : options.queues();
        if (started > queueCount) {
            throw new IllegalArgumentException(started + " queues wanted, the backend has " + queueCount);
        }
        allocNext = 0;
        for (int i = 0; i < started; i++) {
            queues.add(newQueue(i));
        }
        allocStart = allocNext;
        // QEMU first installs a masked notifier and the error notifier, then the guest's.
        for (DriverQueue queue : queues) {
            int masked = EventFd.newFd();
            int err = EventFd.newFd();
            spareFds.add(masked);
            spareFds.add(err);
            send(Request.SET_VRING_CALL, u64(queue.index()), masked);
            send(Request.SET_VRING_ERR, u64(queue.index()), err);
        }
        for (DriverQueue queue : queues) {
            send(Request.SET_VRING_CALL, u64(queue.index()), queue.callFd());
        }
        long wanted = Features.VERSION_1 | Features.PROTOCOL_FEATURES
                | (options.eventIdx() ? Features.RING_EVENT_IDX : 0) | (options.indirect() ? Features.RING_INDIRECT_DESC : 0);
        features = wanted & offeredFeatures;
        send(Request.SET_FEATURES, u64(features));
        describeMemory();
        for (DriverQueue queue : queues) {
            startQueue(queue);
        }
    }

    private DriverQueue newQueue(int index) throws ErrnoException {
        int size = options.queueSize();
        long descriptors = alignedAlloc(DriverQueue.DESCRIPTOR_SIZE * (long) size, RING_ALIGNMENT);
        long available = alignedAlloc(6 + 2L * size, RING_ALIGNMENT);
        long used = alignedAlloc(6 + 8L * size, RING_ALIGNMENT);
        boolean eventIdx = options.eventIdx();
        return new DriverQueue(this, index, size, eventIdx, descriptors, available, used, options.initialIndex());
    }

    private void describeMemory() throws IOException {
        if (options.splitRegions()) {
            long half = memoryBytes / 2;
            regions.add(new RegionDescription(0, half, memory, 0));
            regions.add(new RegionDescription(half, memoryBytes - half, memory + half, half));
        } else {
            regions.add(new RegionDescription(0, memoryBytes, memory, 0));
        }
        boolean slots = (protocolFeatures & Features.PROTOCOL_CONFIGURE_MEM_SLOTS) != 0;
        if (slots && !options.memTable()) {
            for (RegionDescription region : regions) {
                expectAck(Request.ADD_MEM_REG, sendExpectingAck(Request.ADD_MEM_REG, memoryRegionPayload(region), memoryFd));
            }
        } else {
            ByteBuffer table = ByteBuffer.allocate(Payload.MEMORY_TABLE_HEADER_SIZE + regions.size() * RegionDescription.WIRE_SIZE)
                    .order(ByteOrder.LITTLE_ENDIAN);
            table.putInt(regions.size()).putInt(0);
            int[] fds = new int[regions.size()];
            for (int i = 0; i < regions.size(); i++) {
                Payload.writeRegion(table, regions.get(i));
                fds[i] = memoryFd;
            }
            expectAck(Request.SET_MEM_TABLE, sendExpectingAck(Request.SET_MEM_TABLE, table.flip(), fds));
        }
    }

    private void startQueue(DriverQueue queue) throws IOException {
        startQueue(queue, options.initialIndex());
    }

    /**
     * Starts queue {@code index} again after {@link #getVringBase} stopped it, as QEMU does when
     * the guest driver restarts: size, {@code base}, addresses, kick fd, enable, call fd.
     */
    public synchronized void restartQueue(int index, int base) throws IOException {
        startQueue(queues.get(index), base);
    }

    private void startQueue(DriverQueue queue, int base) throws IOException {
        int i = queue.index();
        send(Request.SET_VRING_NUM, vringState(i, queue.size()));
        send(Request.SET_VRING_BASE, vringState(i, base));
        ByteBuffer address = ByteBuffer.allocate(Payload.VRING_ADDRESS_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        Payload.writeVringAddress(address, new Payload.VringAddress(i, 0, userAddress(queue.descriptorTableAddress()),
                userAddress(queue.usedRingAddress()), userAddress(queue.availableRingAddress()), 0));
        send(Request.SET_VRING_ADDR, address.flip());
        send(Request.SET_VRING_KICK, u64(i), queue.kickFd());
        expectAck(Request.SET_VRING_ENABLE, sendExpectingAck(Request.SET_VRING_ENABLE, vringState(i, 1)));
        send(Request.SET_VRING_CALL, u64(i), queue.callFd());
    }

    // ---- guest memory ----

    /**
     * Allocates {@code bytes} of guest memory (64-byte aligned) and returns its guest-physical
     * address. Bump allocation: memory comes back only with {@link #resetAllocator()}.
     */
    public synchronized long alloc(int bytes) {
        return alignedAlloc(bytes, ALLOC_ALIGNMENT);
    }

    private synchronized long alignedAlloc(long bytes, long alignment) {
        long start = (allocNext + alignment - 1) & -alignment;
        if (bytes < 0 || start + bytes > memoryBytes) {
            throw new IllegalStateException("guest memory exhausted: " + bytes + " bytes wanted at " + start);
        }
        allocNext = start + bytes;
        return start;
    }

    /** Frees everything {@link #alloc} gave out (the rings stay). */
    public synchronized void resetAllocator() {
        allocNext = allocStart;
    }

    /** A little-endian view of guest memory [gpa, gpa + length). */
    public ByteBuffer buffer(long gpa, int length) {
        return NativeMemory.view(localAddress(gpa, length), length);
    }

    /** Where guest-physical address {@code gpa} is mapped in this process (range-checked). */
    public long localAddress(long gpa, long length) {
        if (gpa < 0 || length < 0 || gpa + length > memoryBytes) {
            throw new IndexOutOfBoundsException("guest range 0x" + Long.toHexString(gpa) + "+" + length
                    + " outside " + memoryBytes + " bytes of guest memory");
        }
        return memory + gpa;
    }

    /** The frontend virtual address of {@code gpa}: what SET_VRING_ADDR and region uaddr use. */
    public long userAddress(long gpa) {
        return memory + gpa;
    }

    public long memoryBytes() {
        return memoryBytes;
    }

    /** The memfd behind guest memory (owned by the frontend). */
    public int memoryFd() {
        return memoryFd;
    }

    /** The regions described to the backend. */
    public List<RegionDescription> regions() {
        return List.copyOf(regions);
    }

    /** Guest-physical address where the second region starts, or -1 without split regions. */
    public long regionBoundary() {
        return regions.size() > 1 ? regions.get(1).guestAddress() : -1;
    }

    /** Writes a 16-byte descriptor at guest-physical address {@code gpa} (e.g. in an indirect table). */
    public void writeDescriptor(long gpa, long address, int length, int flags, int next) {
        writeDescriptorAt(localAddress(gpa, DriverQueue.DESCRIPTOR_SIZE), address, length, flags, next);
    }

    static void writeDescriptorAt(long local, long address, int length, int flags, int next) {
        NativeMemory.putLong(local, address);
        NativeMemory.putInt(local + 8, length);
        NativeMemory.putShort(local + 12, flags);
        NativeMemory.putShort(local + 14, next);
    }

    // ---- queues ----

    /** Started queue {@code index}. */
    public DriverQueue queue(int index) {
        return queues.get(index);
    }

    /** Number of queues this frontend started. */
    public int startedQueues() {
        return queues.size();
    }

    /**
     * Sends {@code request} in one device-readable buffer with one device-writable buffer of
     * {@code replyCapacity} bytes on queue {@code queue}, kicks, waits for the chain to come back
     * and returns the bytes the device wrote. Buffers are reused per queue. Throws on timeout.
     */
    public byte[] roundTrip(int queue, byte[] request, int replyCapacity, Duration timeout)
            throws TimeoutException {
        DriverQueue q = queues.get(queue);
        long out = scratch(q, 0, request.length);
        long in = scratch(q, 1, replyCapacity);
        buffer(out, request.length).put(request);
        int head = q.submit(new long[] {out}, new int[] {request.length}, new long[] {in}, new int[] {replyCapacity});
        q.kick();
        UsedElement element = awaitHead(queue, head, timeout);
        if (element == null) {
            throw new TimeoutException("no reply on queue " + queue + " within " + timeout);
        }
        int length = Math.min(element.length(), replyCapacity);
        byte[] reply = new byte[length];
        buffer(in, replyCapacity).get(reply);
        return reply;
    }

    /**
     * Sends {@code request} as {@link #roundTrip} does, in buffers of its own, and returns without
     * waiting: the reply may come after replies to later requests ({@link PostedRequest#await}).
     */
    public PostedRequest post(int queue, byte[] request, int replyCapacity) {
        DriverQueue q = queues.get(queue);
        long out = alloc(Math.max(request.length, 1));
        long in = alloc(Math.max(replyCapacity, 1));
        buffer(out, request.length).put(request);
        int head = q.submit(new long[] {out}, new int[] {request.length}, new long[] {in}, new int[] {replyCapacity});
        PostedRequest p = new PostedRequest(this, queue, head, in, replyCapacity);
        postedOn(queue).put(head, p);
        q.kick();
        return p;
    }

    private Map<Integer, PostedRequest> postedOn(int queue) {
        return posted.computeIfAbsent(queue, i -> new ConcurrentHashMap<>());
    }

    /** Waits for the chain at {@code head}, handing the chains of posted requests to them meanwhile. */
    UsedElement awaitHead(int queue, int head, Duration timeout) {
        DriverQueue q = queues.get(queue);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            UsedElement element = q.awaitUsed(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            if (element == null || element.head() == head) {
                return element;
            }
            handToPosted(queue, element, head);
        }
    }

    /** Hands every chain the used ring holds now to its posted request. */
    void collectUsed(int queue) {
        DriverQueue q = queues.get(queue);
        UsedElement element;
        while ((element = q.pollUsed()) != null) {
            handToPosted(queue, element, -1);
        }
    }

    private void handToPosted(int queue, UsedElement element, int expected) {
        PostedRequest p = postedOn(queue).remove(element.head());
        if (p == null) {
            throw new IllegalStateException("queue " + queue + " returned head " + element.head()
                    + (expected >= 0 ? ", expected " + expected : ", which no request is waiting for"));
        }
        p.returned(element);
    }

    /** A reusable buffer of at least {@code bytes} for slot {@code slot} of a queue. */
    private synchronized long scratch(DriverQueue queue, int slot, int bytes) {
        long key = ((long) queue.index() << 1) | slot;
        long[] buffer = scratchBuffers.get(key);
        if (buffer == null || buffer[1] < bytes) {
            buffer = new long[] {alloc(Math.max(bytes, 1)), Math.max(bytes, 1)};
            scratchBuffers.put(key, buffer);
        }
        return buffer[0];
    }

    // ---- protocol ----

    public long offeredFeatures() {
        return offeredFeatures;
    }

    /** The features sent with SET_FEATURES. */
    public long features() {
        return features;
    }

    public long offeredProtocolFeatures() {
        return offeredProtocolFeatures;
    }

    /** The protocol features sent with SET_PROTOCOL_FEATURES. */
    public long protocolFeatures() {
        return protocolFeatures;
    }

    /** The queue count from GET_QUEUE_NUM. */
    public int queueCount() {
        return queueCount;
    }

    /** The answer to GET_MAX_MEM_SLOTS (0 when not asked). */
    public long maxMemSlots() {
        return maxMemSlots;
    }

    /** Sends one message with exactly these flags (add {@link Header#VERSION} yourself). */
    public synchronized void sendMessage(int request, int flags, ByteBuffer payload, int... fds) throws IOException {
        ByteBuffer message = ByteBuffer.allocate(Header.SIZE + payload.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        Header.write(message, request, flags, payload.remaining());
        message.put(payload.duplicate()).flip();
        socket.send(message, fds);
    }

    /** Sends raw bytes (e.g. a truncated or oversized message). */
    public synchronized void sendRaw(ByteBuffer bytes, int... fds) throws IOException {
        socket.send(bytes.duplicate(), fds);
    }

    /** Reads one reply; throws when none arrives within the reply timeout or the backend hung up. */
    public synchronized Reply readReply() throws IOException {
        ByteBuffer header = ByteBuffer.allocateDirect(Header.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        awaitData();
        socket.readFully(header);
        int size = header.getInt(8);
        if (size < 0 || size > Header.MAX_PAYLOAD) {
            throw new ProtocolException("reply payload of " + size + " bytes");
        }
        ByteBuffer payload = ByteBuffer.allocateDirect(size).order(ByteOrder.LITTLE_ENDIAN);
        if (size > 0) {
            awaitData();
            socket.readFully(payload);
        }
        payload.flip();
        return new Reply(header.getInt(0), header.getInt(4), payload);
    }

    /** True when the backend sent something (or hung up) within {@code timeout}. */
    public boolean replyPending(Duration timeout) throws IOException {
        return socket.awaitReadable((int) Math.max(0, timeout.toMillis()));
    }

    private void awaitData() throws IOException {
        if (!socket.awaitReadable((int) options.replyTimeout().toMillis())) {
            throw new IOException("no reply within " + options.replyTimeout());
        }
    }

    /** Sends a message that needs no reply. */
    public synchronized void send(int request, ByteBuffer payload, int... fds) throws IOException {
        sendMessage(request, Header.VERSION, payload, fds);
    }

    /**
     * Sends a message with NEED_REPLY and returns the backend's ack (0: success). Without
     * REPLY_ACK negotiated no ack comes, and this returns 0 after sending.
     */
    public synchronized long sendExpectingAck(int request, ByteBuffer payload, int... fds) throws IOException {
        sendMessage(request, Header.VERSION | Header.NEED_REPLY, payload, fds);
        if ((protocolFeatures & Features.PROTOCOL_REPLY_ACK) == 0) {
            return 0;
        }
        Reply reply = readReply();
        checkReply(request, reply);
        return reply.u64();
    }

    /** Sends a GET_* request without payload and returns its u64 answer. */
    public synchronized long getU64(int request) throws IOException {
        send(request, ByteBuffer.allocate(0));
        Reply reply = readReply();
        checkReply(request, reply);
        return reply.u64();
    }

    /** GET_VRING_BASE: stops the queue in the backend and returns its next available index. */
    public synchronized int getVringBase(int queue) throws IOException {
        send(Request.GET_VRING_BASE, vringState(queue, 0));
        Reply reply = readReply();
        checkReply(Request.GET_VRING_BASE, reply);
        if (reply.payload().remaining() != Payload.VRING_STATE_SIZE) {
            throw new ProtocolException("GET_VRING_BASE reply of " + reply.payload().remaining() + " bytes");
        }
        return reply.payload().getInt(4);
    }

    private static void checkReply(int request, Reply reply) throws ProtocolException {
        if (reply.request() != request || (reply.flags() & Header.REPLY) == 0) {
            throw new ProtocolException("expected a reply to " + Request.name(request) + ", got "
                    + Request.name(reply.request()) + " flags 0x" + Integer.toHexString(reply.flags()));
        }
    }

    private static void expectAck(int request, long ack) throws ProtocolException {
        if (ack != 0) {
            throw new ProtocolException(Request.name(request) + " failed: ack " + ack);
        }
    }

    /** A vring state payload (index, num). */
    public static ByteBuffer vringState(int index, long num) {
        ByteBuffer payload = ByteBuffer.allocate(Payload.VRING_STATE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        Payload.writeVringState(payload, index, num);
        return payload.flip();
    }

    /** A u64 payload. */
    public static ByteBuffer u64(long value) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value);
    }

    /** An ADD_MEM_REG/REM_MEM_REG payload. */
    public static ByteBuffer memoryRegionPayload(RegionDescription region) {
        ByteBuffer payload = ByteBuffer.allocate(Payload.MEMORY_REGION_MESSAGE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        payload.putLong(0);
        Payload.writeRegion(payload, region);
        return payload.flip();
    }

    /** Disconnects and frees guest memory. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        socket.shutdown();
        socket.close();
        for (DriverQueue queue : queues) {
            queue.close();
        }
        spareFds.forEach(Fds::closeQuietly);
        Fds.closeQuietly(backendChannelFd);
        unmapQuietly(memory, memoryBytes);
        Fds.closeQuietly(memoryFd);
    }

    private static void unmapQuietly(long address, long length) {
        try {
            Mmap.unmap(address, length);
        } catch (ErrnoException e) {
            // Nothing to do: the process keeps the mapping until it exits.
        }
    }
}
