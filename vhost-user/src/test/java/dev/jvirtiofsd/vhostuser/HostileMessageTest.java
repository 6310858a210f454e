package dev.jvirtiofsd.vhostuser;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvirtiofsd.vhostuser.frontend.FrontendOptions;
import dev.jvirtiofsd.vhostuser.frontend.Reply;
import dev.jvirtiofsd.vhostuser.frontend.VhostUserFrontend;
import dev.jvirtiofsd.vhostuser.memory.RegionDescription;
import dev.jvirtiofsd.vhostuser.message.Features;
import dev.jvirtiofsd.vhostuser.message.Header;
import dev.jvirtiofsd.vhostuser.message.Payload;
import dev.jvirtiofsd.vhostuser.message.Request;
import dev.jvirtiofsd.vhostuser.sys.EventFd;
import dev.jvirtiofsd.vhostuser.sys.Fds;
import dev.jvirtiofsd.vhostuser.testing.BackendRunner;
import dev.jvirtiofsd.vhostuser.testing.EchoDevice;
import java.io.IOException;
import java.net.ProtocolException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A frontend that sends malformed or nonsensical messages: each is refused with an error reply
 * (when a reply is due), the fds it carried are closed, and the connection keeps working. Only
 * a message that breaks the framing ends the connection.
 */
class HostileMessageTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final long MIB = 1 << 20;

    private EchoDevice device;
    private BackendRunner backend;
    private VhostUserFrontend frontend;

    @BeforeEach
    void start() throws Exception {
        device = new EchoDevice(2);
        backend = BackendRunner.start(device, 0);
        // Queue 1 is left unconfigured for tests that set a ring up by hand.
        frontend = backend.connect(FrontendOptions.defaults().withQueues(1));
    }

    @AfterEach
    void stop() throws Exception {
        frontend.close();
        backend.close();
    }

    private void assertStillServing() throws Exception {
        byte[] request = {9, 8, 7};
        assertArrayEquals(EchoDevice.expectedReply(request, 3), frontend.roundTrip(0, request, 3, TIMEOUT));
    }

    private long ack(int request, ByteBuffer payload, int... fds) throws IOException {
        return frontend.sendExpectingAck(request, payload, fds);
    }

    private static ByteBuffer bytes(int length) {
        return ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    }

    private ByteBuffer region(long gpa, long size, long userOffset, long mmapOffset) {
        return VhostUserFrontend.memoryRegionPayload(
                new RegionDescription(gpa, size, frontend.userAddress(0) + userOffset, mmapOffset));
    }

    /** Every hostile message of the other tests, for the fd-leak check. */
    private void sendAllRefusedMessages() throws Exception {
        int eventFd = EventFd.newFd();
        try {
            assertNotEquals(0, ack(99, bytes(0)), "unknown message");
            assertNotEquals(0, ack(99, bytes(16), eventFd, eventFd), "unknown message with fds");
            assertNotEquals(0, ack(Request.SET_FEATURES, bytes(4)), "short payload");
            assertNotEquals(0, ack(Request.SET_FEATURES, VhostUserFrontend.u64(frontend.features()), eventFd), "fd not expected");
            assertNotEquals(0, ack(Request.SET_VRING_CALL, VhostUserFrontend.u64(0), eventFd, eventFd), "two fds");
            assertNotEquals(0, ack(Request.SET_VRING_CALL, VhostUserFrontend.u64(0)), "fd missing");
            assertNotEquals(0, ack(Request.SET_VRING_CALL, VhostUserFrontend.u64(7), eventFd), "queue out of range");
            assertNotEquals(0, ack(Request.SET_VRING_KICK, VhostUserFrontend.u64(0x1000), eventFd), "reserved bits");
            assertNotEquals(0, ack(Request.ADD_MEM_REG, region(0, MIB, 0, 0), frontend.memoryFd()), "overlaps");
            assertNotEquals(0, ack(Request.ADD_MEM_REG, region(1L << 40, MIB, 1L << 40, 0)), "fd missing");
            assertNotEquals(0, ack(Request.ADD_MEM_REG, region(1L << 40, 0, 1L << 40, 0), frontend.memoryFd()), "zero size");
            assertNotEquals(0, ack(Request.ADD_MEM_REG, region(1L << 40, 1L << 40, 1L << 40, 0), frontend.memoryFd()),
                    "larger than its file");
            assertNotEquals(0, ack(Request.ADD_MEM_REG, region(1L << 40, MIB, 1L << 40, 0), eventFd), "not mappable");
            assertNotEquals(0, ack(Request.REM_MEM_REG, region(1L << 40, MIB, 1L << 40, 0)), "no such region");
            assertNotEquals(0, ack(Request.SET_MEM_TABLE, memTable(new RegionDescription(1L << 40, MIB, 1L << 40, 0),
                    new RegionDescription((1L << 40) + 4096, MIB, 1L << 41, 0)), frontend.memoryFd(), frontend.memoryFd()),
                    "overlapping regions in one table");
            assertNotEquals(0, ack(Request.SET_MEM_TABLE, memTable(new RegionDescription(1L << 40, MIB, 1L << 40, 0)),
                    frontend.memoryFd(), frontend.memoryFd()), "fd count differs from region count");
            assertNotEquals(0, ack(Request.SET_VRING_NUM, VhostUserFrontend.vringState(0, 64)), "queue is running");
            assertNotEquals(0, ack(Request.SET_VRING_NUM, VhostUserFrontend.vringState(1, 100)), "not a power of two");
            assertNotEquals(0, ack(Request.SET_VRING_NUM, VhostUserFrontend.vringState(1, 65536)), "too large");
            assertNotEquals(0, ack(Request.SET_VRING_BASE, VhostUserFrontend.vringState(1, 70000)), "base too large");
            assertNotEquals(0, ack(Request.SET_VRING_ENABLE, VhostUserFrontend.vringState(0, 2)), "neither 0 nor 1");
            assertNotEquals(0, ack(Request.SET_OWNER, bytes(0)), "second owner");
            assertNotEquals(0, ack(Request.SET_CONFIG, bytes(12)), "no config space");
            assertNotEquals(0, ack(Request.SET_PROTOCOL_FEATURES, VhostUserFrontend.u64(1L << 40)), "not offered");
            assertNotEquals(0, ack(Request.SET_FEATURES, VhostUserFrontend.u64(frontend.features() | 1)), "not offered");
            frontend.sendMessage(Request.SET_FEATURES, Header.VERSION | Header.NEED_REPLY | Header.REPLY,
                    VhostUserFrontend.u64(frontend.features()));
            assertNotEquals(0, frontend.readReply().u64(), "a request flagged as a reply");
            assertEquals(0, getReply(Request.GET_FEATURES, bytes(8)).payload().remaining(), "GET with a payload");
            assertEquals(0, getReply(Request.GET_VRING_BASE, VhostUserFrontend.vringState(9, 0)).payload().remaining(),
                    "queue out of range");
            assertEquals(0, getReply(Request.GET_CONFIG, bytes(12)).payload().remaining(), "no config space");
        } finally {
            Fds.closeQuietly(eventFd);
        }
    }

    private Reply getReply(int request, ByteBuffer payload) throws IOException {
        frontend.send(request, payload);
        Reply reply = frontend.readReply();
        assertEquals(request, reply.request());
        return reply;
    }

    private static ByteBuffer memTable(RegionDescription... regions) {
        ByteBuffer table = bytes(Payload.MEMORY_TABLE_HEADER_SIZE + regions.length * RegionDescription.WIRE_SIZE);
        table.putInt(regions.length).putInt(0);
        for (RegionDescription region : regions) {
            Payload.writeRegion(table, region);
        }
        return table.flip();
    }

    private static String fdList() {
        StringBuilder out = new StringBuilder();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            fds.forEach(p -> {
                try {
                    out.append(p.getFileName()).append("->").append(Files.readSymbolicLink(p)).append(' ');
                } catch (IOException e) {
                    out.append(p.getFileName()).append("->? ");
                }
            });
        } catch (IOException e) {
            out.append(e);
        }
        return out.toString();
    }

    private static long openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    @Test
    void refusedMessagesGetAnErrorReplyAndLeakNoFds() throws Exception {
        sendAllRefusedMessages();
        assertStillServing();
        long fdsAfterFirstRound = openFds();
        int rounds = 10;
        for (int i = 0; i < rounds; i++) {
            sendAllRefusedMessages();
        }
        assertStillServing();
        // Each round passes a dozen fds; a leak would grow the count by at least one per round.
        // (A class loaded meanwhile may open a jar: allow for a few unrelated fds.)
        long growth = openFds() - fdsAfterFirstRound;
        assertTrue(growth < rounds / 2, () -> growth + " more fds after " + rounds + " rounds: " + fdList());
        assertNull(backend.failure());
    }

    @Test
    void messagesThatNeedNoReplyAreRefusedSilently() throws Exception {
        frontend.send(99, bytes(0));
        frontend.send(Request.SET_FEATURES, bytes(3));
        frontend.send(Request.SET_VRING_CALL, VhostUserFrontend.u64(200));
        assertStillServing();
    }

    @Test
    void ringAddressesOutsideMemoryAreRefused() throws Exception {
        long beyond = frontend.userAddress(frontend.memoryBytes());
        assertEquals(0, ack(Request.SET_VRING_NUM, VhostUserFrontend.vringState(1, 16)));
        ByteBuffer address = bytes(Payload.VRING_ADDRESS_SIZE);
        Payload.writeVringAddress(address, new Payload.VringAddress(1, 0, frontend.userAddress(0), beyond, frontend.userAddress(4096), 0));
        assertNotEquals(0, ack(Request.SET_VRING_ADDR, address.flip()), "used ring outside memory");
        address.clear();
        Payload.writeVringAddress(address, new Payload.VringAddress(1, 0, frontend.userAddress(frontend.memoryBytes() - 64),
                frontend.userAddress(8192), frontend.userAddress(4096), 0));
        assertNotEquals(0, ack(Request.SET_VRING_ADDR, address.flip()), "descriptor table crosses the end of memory");
        address.clear();
        Payload.writeVringAddress(address, new Payload.VringAddress(1, 0, frontend.userAddress(8), frontend.userAddress(8192),
                frontend.userAddress(4096), 0));
        assertNotEquals(0, ack(Request.SET_VRING_ADDR, address.flip()), "misaligned descriptor table");
        int kick = EventFd.newFd();
        try {
            assertNotEquals(0, ack(Request.SET_VRING_KICK, VhostUserFrontend.u64(1), kick), "a ring without addresses");
        } finally {
            Fds.closeQuietly(kick);
        }
        assertStillServing();
    }

    @Test
    void memoryTableMayBeReplacedWhileQueuesRun() throws Exception {
        RegionDescription whole = frontend.regions().get(0);
        // The same memory described again, as one table: the running queue keeps working.
        assertEquals(0, ack(Request.SET_MEM_TABLE, memTable(whole), frontend.memoryFd()));
        assertStillServing();
        // Adding and removing an extra region (the second half of the file again, at another gpa).
        RegionDescription extra = new RegionDescription(1L << 40, 4 * MIB, frontend.userAddress(0) + (1L << 36), 4 * MIB);
        assertEquals(0, ack(Request.ADD_MEM_REG, VhostUserFrontend.memoryRegionPayload(extra), frontend.memoryFd()));
        assertEquals(0, ack(Request.REM_MEM_REG, VhostUserFrontend.memoryRegionPayload(extra)));
        assertNotEquals(0, ack(Request.REM_MEM_REG, VhostUserFrontend.memoryRegionPayload(extra)), "already removed");
        assertStillServing();
    }

    @Test
    void oversizedPayloadEndsTheConnection() throws Exception {
        ByteBuffer header = bytes(Header.SIZE);
        Header.write(header, Request.SET_FEATURES, Header.VERSION, Header.MAX_PAYLOAD + 1);
        frontend.sendRaw(header.flip());
        assertFramingBroken();
    }

    @Test
    void truncatedMessageEndsTheConnection() throws Exception {
        ByteBuffer message = bytes(Header.SIZE + 4);
        Header.write(message, Request.SET_FEATURES, Header.VERSION, 8);
        message.putInt(0);
        frontend.sendRaw(message.flip());
        frontend.close();
        assertFramingBroken();
    }

    @Test
    void wrongVersionEndsTheConnection() throws Exception {
        frontend.sendMessage(Request.GET_FEATURES, 2, bytes(0));
        assertFramingBroken();
    }

    private void assertFramingBroken() throws Exception {
        assertTrue(backend.awaitServed(TIMEOUT));
        assertInstanceOf(ProtocolException.class, backend.failure());
        assertEquals(1, device.resets(), "the device was reset on the way out");
        assertThrows(IOException.class, () -> frontend.getU64(Request.GET_FEATURES));
    }

    @Test
    void configSpaceIsServedOnlyWhenTheDeviceHasOne() throws Exception {
        assertEquals(0, frontend.offeredProtocolFeatures() & Features.PROTOCOL_CONFIG);
        frontend.close();
        backend.close();
        byte[] config = new byte[40];
        config[0] = 't';
        config[36] = 1;
        config[39] = 5;
        device = new EchoDevice(2) {
            @Override
            public byte[] config() {
                return config.clone();
            }
        };
        backend = BackendRunner.start(device, 0);
        frontend = backend.connect(FrontendOptions.defaults());
        assertEquals(Features.PROTOCOL_CONFIG, frontend.offeredProtocolFeatures() & Features.PROTOCOL_CONFIG);
        ByteBuffer request = bytes(Payload.CONFIG_HEADER_SIZE + 8);
        request.putInt(36).putInt(8).putInt(0).position(request.limit());
        assertEquals(0, getReply(Request.GET_CONFIG, request.flip()).payload().remaining(), "CONFIG not negotiated");
        frontend.send(Request.SET_PROTOCOL_FEATURES, VhostUserFrontend.u64(frontend.protocolFeatures() | Features.PROTOCOL_CONFIG));
        ByteBuffer reply = getReply(Request.GET_CONFIG, request).payload();
        assertEquals(Payload.CONFIG_HEADER_SIZE + 8, reply.remaining());
        assertEquals(36, reply.getInt(0));
        assertEquals(8, reply.getInt(4));
        assertEquals(1, reply.get(Payload.CONFIG_HEADER_SIZE), "byte 36 of the config space");
        assertEquals(5, reply.get(Payload.CONFIG_HEADER_SIZE + 3), "byte 39, the last one");
        assertEquals(0, reply.get(Payload.CONFIG_HEADER_SIZE + 4), "bytes past the end read as zero");
        assertStillServing();
    }
}
