package dev.jvirtiofsd.daemon.fuse;

import static dev.jvirtiofsd.daemon.fuse.FuseRequests.name;
import static dev.jvirtiofsd.daemon.fuse.FuseRequests.struct;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvirtiofsd.daemon.fs.Entry;
import dev.jvirtiofsd.daemon.fs.FileSystem;
import dev.jvirtiofsd.daemon.fs.OpenResult;
import dev.jvirtiofsd.daemon.fs.RequestContext;
import dev.jvirtiofsd.daemon.sys.Fcntl;
import dev.jvirtiofsd.daemon.sys.Syscalls;
import dev.jvirtiofsd.daemon.sys.VectoredIo;
import dev.jvirtiofsd.protocol.EntryOut;
import dev.jvirtiofsd.protocol.Errno;
import dev.jvirtiofsd.protocol.ForgetIn;
import dev.jvirtiofsd.protocol.InHeader;
import dev.jvirtiofsd.protocol.InitOut;
import dev.jvirtiofsd.protocol.Opcode;
import dev.jvirtiofsd.protocol.OutHeader;
import dev.jvirtiofsd.protocol.ReadIn;
import dev.jvirtiofsd.protocol.WriteIn;
import dev.jvirtiofsd.protocol.WriteOut;
import dev.jvirtiofsd.vhostuser.frontend.DriverQueue;
import dev.jvirtiofsd.vhostuser.frontend.FrontendOptions;
import dev.jvirtiofsd.vhostuser.frontend.UsedElement;
import dev.jvirtiofsd.vhostuser.frontend.VhostUserFrontend;
import dev.jvirtiofsd.vhostuser.testing.BackendRunner;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The virtio-fs device behind a real vhost-user backend, driven by the test frontend over a
 * Unix socket with memfd guest memory: chains laid out as a Linux guest lays them out, READ and
 * WRITE moving file data between a real file and guest memory through iovecs.
 */
class VirtioFsChainTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final int PAGE = 4096;
    private static final long DATA_NODE = 2;

    @TempDir
    Path dir;
    private OneFileFs fs;
    private FuseServer server;
    private VirtioFsDevice device;

    /** A file system of one regular file, "data" (node 2), read and written with the daemon's preadv/pwritev. */
    static final class OneFileFs implements FileSystem {
        final int fd;
        final List<String> calls = Collections.synchronizedList(new ArrayList<>());

        OneFileFs(Path file) {
            fd = Syscalls.openat(Fcntl.AT_FDCWD, file.toString().getBytes(StandardCharsets.UTF_8),
                Fcntl.O_RDWR | Fcntl.O_CREAT | Fcntl.O_CLOEXEC, 0600);
            if (fd < 0) {
                throw new IllegalStateException("open " + file + ": " + Errno.name(fd));
            }
        }

        @Override
        public int init(long negotiatedFlags) {
            calls.add("init");
            return 0;
        }

        @Override
        public void destroy() {
            calls.add("destroy");
        }

        @Override
        public int lookup(RequestContext ctx, long parent, byte[] name, Entry out) {
            calls.add("lookup " + new String(name, StandardCharsets.UTF_8));
            if (parent != 1 || !Arrays.equals(name, "data".getBytes(StandardCharsets.UTF_8))) {
                return -Errno.ENOENT;
            }
            out.nodeId = DATA_NODE;
            out.attr.ino = 4242;
            out.attr.mode = 0100644;
            out.attr.nlink = 1;
            return 0;
        }

        @Override
        public void forget(long nodeId, long nlookup) {
            calls.add("forget " + nodeId + " " + nlookup);
        }

        @Override
        public int open(RequestContext ctx, long nodeId, int flags, OpenResult out) {
            out.fh = 7;
            return 0;
        }

        @Override
        public long read(RequestContext ctx, long nodeId, long fh, long offset, int size, long iovAddress, int iovCount) {
            calls.add("read " + offset + " " + size + " in " + iovCount + " iovecs");
            return VectoredIo.read(fd, iovAddress, iovCount, size, offset);
        }

        @Override
        public long write(RequestContext ctx, long nodeId, long fh, long offset, int size, int writeFlags, int fileFlags,
                          long iovAddress, int iovCount) {
            calls.add("write " + offset + " " + size + " from " + iovCount + " iovecs");
            return VectoredIo.write(fd, iovAddress, iovCount, size, offset, 0);
        }
    }

    @BeforeEach
    void createDevice() {
        fs = new OneFileFs(dir.resolve("data"));
        server = new FuseServer(fs, FuseServerConfig.defaults());
        device = new VirtioFsDevice(server, 1, "chaintest");
    }

    @AfterEach
    void closeFile() {
        Syscalls.close(fs.fd);
    }

    private static byte[] init() {
        return FuseRequests.request(Opcode.INIT, 1, 0, 0,
            ServerHarness.initIn(7, 38, ServerHarness.LINUX_6_1_FLAGS, ServerHarness.LINUX_6_1_FLAGS2)).array();
    }

    private static OutHeader header(byte[] reply) {
        return new OutHeader().decode(ByteBuffer.wrap(reply).order(ByteOrder.LITTLE_ENDIAN), 0);
    }

    private static void openSession(VhostUserFrontend frontend) throws Exception {
        byte[] reply = frontend.roundTrip(1, init(), OutHeader.BYTES + InitOut.BYTES, TIMEOUT);
        assertEquals(OutHeader.BYTES + InitOut.BYTES, reply.length);
        assertEquals(0, header(reply).error);
        assertEquals(38, new InitOut().decode(ByteBuffer.wrap(reply).order(ByteOrder.LITTLE_ENDIAN), OutHeader.BYTES).minor);
    }

    @Test
    void initLookupAndAForgetOnTheHiprioQueue() throws Exception {
        try (BackendRunner backend = BackendRunner.start(device, 0)) {
            try (VhostUserFrontend frontend = backend.connect(FrontendOptions.defaults())) {
                assertEquals(2, frontend.queueCount(), "hiprio + one request queue");
                openSession(frontend);

                byte[] lookup = FuseRequests.request(Opcode.LOOKUP, 2, 1, 0, name("data")).array();
                byte[] reply = frontend.roundTrip(1, lookup, 4096, TIMEOUT);
                assertEquals(OutHeader.BYTES + EntryOut.BYTES, reply.length);
                OutHeader h = header(reply);
                assertEquals(0, h.error);
                assertEquals(2, h.unique);
                EntryOut entry = new EntryOut().decode(ByteBuffer.wrap(reply).order(ByteOrder.LITTLE_ENDIAN), OutHeader.BYTES);
                assertEquals(DATA_NODE, entry.nodeid);
                assertEquals(4242, entry.attr.ino);

                // The guest's FORGET: 48 bytes in one device-readable buffer, nothing writable.
                ForgetIn forget = new ForgetIn();
                forget.nlookup = 1;
                byte[] request = FuseRequests.request(Opcode.FORGET, 3, DATA_NODE, 0,
                    struct(forget, ForgetIn.BYTES, (s, b) -> s.encode(b, 0))).array();
                assertEquals(48, request.length);
                DriverQueue hiprio = frontend.queue(VirtioFsDevice.HIPRIO_QUEUE);
                long out = frontend.alloc(request.length);
                frontend.buffer(out, request.length).put(request);
                int head = hiprio.submit(new long[] {out}, new int[] {request.length}, new long[0], new int[0]);
                hiprio.kick();
                UsedElement used = hiprio.awaitUsed(TIMEOUT);
                assertNotNull(used);
                assertEquals(head, used.head());
                assertEquals(0, used.length(), "no reply to FORGET");
            }
            assertTrue(backend.awaitServed(TIMEOUT));
            assertNull(backend.failure());
        }
        assertEquals(List.of("init", "lookup data", "forget 2 1", "destroy"), fs.calls,
            "the disconnect resets the device, which ends the session");
    }

    /** Writes then reads 256 KiB through chains of page-sized descriptors, as a Linux guest lays them out. */
    @Test
    void writeAndReadMoveFileDataStraightBetweenFileAndGuestMemory() throws Exception {
        int size = 64 * PAGE;
        byte[] data = new byte[size];
        new Random(7).nextBytes(data);
        try (BackendRunner backend = BackendRunner.start(device, 0);
                VhostUserFrontend frontend = backend.connect(FrontendOptions.defaults())) {
            openSession(frontend);
            DriverQueue queue = frontend.queue(1);

            // WRITE: in-header and fuse_write_in in one buffer (copy_args_to_argbuf), then one buffer per page.
            WriteIn writeIn = new WriteIn();
            writeIn.fh = 7;
            writeIn.offset = PAGE;
            writeIn.size = size;
            byte[] headers = FuseRequests.request(Opcode.WRITE, 10, DATA_NODE, 0,
                struct(writeIn, WriteIn.BYTES, (s, b) -> s.encode(b, 0))).array();
            ByteBuffer.wrap(headers).order(ByteOrder.LITTLE_ENDIAN).putInt(InHeader.LEN, headers.length + size);
            long[] outs = new long[1 + size / PAGE];
            int[] outLengths = new int[outs.length];
            outs[0] = frontend.alloc(headers.length);
            outLengths[0] = headers.length;
            frontend.buffer(outs[0], headers.length).put(headers);
            for (int i = 1; i < outs.length; i++) {
                outs[i] = frontend.alloc(PAGE);
                outLengths[i] = PAGE;
                frontend.buffer(outs[i], PAGE).put(data, (i - 1) * PAGE, PAGE);
            }
            long[] ins = {frontend.alloc(OutHeader.BYTES), frontend.alloc(WriteOut.BYTES)};
            int[] inLengths = {OutHeader.BYTES, WriteOut.BYTES};
            int head = queue.submitIndirect(outs, outLengths, ins, inLengths);
            queue.kick();
            UsedElement used = queue.awaitUsed(TIMEOUT);
            assertEquals(head, used.head());
            assertEquals(OutHeader.BYTES + WriteOut.BYTES, used.length());
            assertEquals(0, new OutHeader().decode(frontend.buffer(ins[0], OutHeader.BYTES), 0).error);
            assertEquals(size, new WriteOut().decode(frontend.buffer(ins[1], WriteOut.BYTES), 0).size);
            byte[] onDisk = Files.readAllBytes(dir.resolve("data"));
            assertEquals(PAGE + size, onDisk.length);
            assertArrayEquals(data, Arrays.copyOfRange(onDisk, PAGE, PAGE + size));

            // READ: the out-header in its own buffer, then one buffer per page.
            ReadIn readIn = new ReadIn();
            readIn.fh = 7;
            readIn.offset = PAGE;
            readIn.size = size;
            byte[] read = FuseRequests.request(Opcode.READ, 11, DATA_NODE, 0,
                struct(readIn, ReadIn.BYTES, (s, b) -> s.encode(b, 0))).array();
            long readOut = frontend.alloc(read.length);
            frontend.buffer(readOut, read.length).put(read);
            long[] pages = new long[1 + size / PAGE];
            int[] pageLengths = new int[pages.length];
            pages[0] = frontend.alloc(OutHeader.BYTES);
            pageLengths[0] = OutHeader.BYTES;
            for (int i = 1; i < pages.length; i++) {
                pages[i] = frontend.alloc(PAGE);
                pageLengths[i] = PAGE;
            }
            head = queue.submitIndirect(new long[] {readOut}, new int[] {read.length}, pages, pageLengths);
            queue.kick();
            used = queue.awaitUsed(TIMEOUT);
            assertEquals(head, used.head());
            assertEquals(OutHeader.BYTES + size, used.length());
            OutHeader readHeader = new OutHeader().decode(frontend.buffer(pages[0], OutHeader.BYTES), 0);
            assertEquals(0, readHeader.error);
            assertEquals(OutHeader.BYTES + size, readHeader.len);
            assertEquals(11, readHeader.unique);
            byte[] got = new byte[size];
            for (int i = 1; i < pages.length; i++) {
                frontend.buffer(pages[i], PAGE).get(got, (i - 1) * PAGE, PAGE);
            }
            assertArrayEquals(data, got);

            // A read at the end of the file: only the header.
            readIn.offset = PAGE + size;
            byte[] atEnd = frontend.roundTrip(1, FuseRequests.request(Opcode.READ, 12, DATA_NODE, 0,
                struct(readIn, ReadIn.BYTES, (s, b) -> s.encode(b, 0))).array(), OutHeader.BYTES + size, TIMEOUT);
            assertEquals(OutHeader.BYTES, atEnd.length);
            assertEquals(OutHeader.BYTES, header(atEnd).len);
        }
        assertEquals(List.of("init", "write 4096 262144 from 64 iovecs", "read 4096 262144 in 64 iovecs",
            "read 266240 262144 in 1 iovecs", "destroy"), fs.calls);
    }

    @Test
    void headerAndDataInOneBufferAndReplyDataAfterTheHeaderInTheSameBuffer() throws Exception {
        byte[] data = "small write, one descriptor".getBytes(StandardCharsets.UTF_8);
        try (BackendRunner backend = BackendRunner.start(device, 0);
                VhostUserFrontend frontend = backend.connect(FrontendOptions.defaults().withIndirect(false))) {
            openSession(frontend);
            WriteIn writeIn = new WriteIn();
            writeIn.size = data.length;
            byte[] write = FuseRequests.request(Opcode.WRITE, 20, DATA_NODE, 0,
                struct(writeIn, WriteIn.BYTES, (s, b) -> s.encode(b, 0)), data).array();
            byte[] reply = frontend.roundTrip(1, write, 64, TIMEOUT);
            assertEquals(OutHeader.BYTES + WriteOut.BYTES, reply.length);
            assertEquals(data.length, new WriteOut().decode(ByteBuffer.wrap(reply).order(ByteOrder.LITTLE_ENDIAN),
                OutHeader.BYTES).size);

            ReadIn readIn = new ReadIn();
            readIn.size = 4096;
            byte[] read = frontend.roundTrip(1, FuseRequests.request(Opcode.READ, 21, DATA_NODE, 0,
                struct(readIn, ReadIn.BYTES, (s, b) -> s.encode(b, 0))).array(), OutHeader.BYTES + 4096, TIMEOUT);
            assertEquals(OutHeader.BYTES + data.length, read.length);
            assertArrayEquals(data, Arrays.copyOfRange(read, OutHeader.BYTES, read.length));
        }
    }

    @Test
    void malformedRequestsGetErrorsAndTheQueueKeepsServing() throws Exception {
        try (BackendRunner backend = BackendRunner.start(device, 0);
                VhostUserFrontend frontend = backend.connect(FrontendOptions.defaults())) {
            byte[] early = frontend.roundTrip(1, FuseRequests.request(Opcode.LOOKUP, 5, 1, 0, name("data")).array(), 256,
                TIMEOUT);
            assertEquals(-Errno.EIO, header(early).error, "before INIT");
            openSession(frontend);

            byte[] junk = new byte[20];
            byte[] shortReply = frontend.roundTrip(1, junk, 256, TIMEOUT);
            assertEquals(OutHeader.BYTES, shortReply.length);
            assertEquals(-Errno.EINVAL, header(shortReply).error);

            byte[] noNul = FuseRequests.request(Opcode.LOOKUP, 6, 1, 0, "data".getBytes(StandardCharsets.UTF_8)).array();
            assertEquals(-Errno.EINVAL, header(frontend.roundTrip(1, noNul, 256, TIMEOUT)).error);

            byte[] lying = FuseRequests.request(Opcode.LOOKUP, 7, 1, 0, name("data")).array();
            ByteBuffer.wrap(lying).order(ByteOrder.LITTLE_ENDIAN).putInt(InHeader.LEN, 1000);
            assertEquals(-Errno.EINVAL, header(frontend.roundTrip(1, lying, 256, TIMEOUT)).error);

            byte[] unknown = FuseRequests.request(Opcode.IOCTL, 8, 1, 0, new byte[32]).array();
            assertEquals(-Errno.ENOSYS, header(frontend.roundTrip(1, unknown, 256, TIMEOUT)).error);

            byte[] ok = frontend.roundTrip(1, FuseRequests.request(Opcode.LOOKUP, 9, 1, 0, name("data")).array(), 256,
                TIMEOUT);
            assertEquals(0, header(ok).error);
            assertEquals(9, header(ok).unique);
        }
    }

    /** Pool threads each make their own iovec array; a reset frees them and a new connection makes new ones. */
    @Test
    void aThreadPoolServesAndTheDeviceSurvivesAReconnect() throws Exception {
        byte[] data = new byte[3 * PAGE];
        new Random(3).nextBytes(data);
        Files.write(dir.resolve("data"), data);
        for (int connection = 0; connection < 2; connection++) {
            try (BackendRunner backend = BackendRunner.start(device, 3);
                    VhostUserFrontend frontend = backend.connect(FrontendOptions.defaults())) {
                openSession(frontend);
                for (int i = 0; i < 30; i++) {
                    ReadIn readIn = new ReadIn();
                    readIn.offset = i % 3 * PAGE;
                    readIn.size = PAGE;
                    byte[] reply = frontend.roundTrip(1, FuseRequests.request(Opcode.READ, 100 + i, DATA_NODE, 0,
                        struct(readIn, ReadIn.BYTES, (s, b) -> s.encode(b, 0))).array(), OutHeader.BYTES + PAGE, TIMEOUT);
                    assertEquals(OutHeader.BYTES + PAGE, reply.length);
                    assertArrayEquals(Arrays.copyOfRange(data, i % 3 * PAGE, (i % 3 + 1) * PAGE),
                        Arrays.copyOfRange(reply, OutHeader.BYTES, reply.length));
                }
            }
            assertTrue(!server.sessionOpen(), "the disconnect reset the device");
        }
    }
}
