package dev.jvirtiofsd.daemon.fuse;

import dev.jvirtiofsd.daemon.fuse.FuseRequests.Reply;
import dev.jvirtiofsd.protocol.InitIn;
import dev.jvirtiofsd.protocol.Opcode;
import java.nio.ByteBuffer;

/** A FuseServer over a {@link RecordingFileSystem}, fed requests in {@link BufferMemory}. */
final class ServerHarness {
    /** INIT flags a Debian 6.1 guest sends (observed): every bit 0..30 but FILE_OPS and MAP_ALIGNMENT. */
    static final int LINUX_6_1_FLAGS = 0x7bfffffb;
    /** flags2 of that guest: SECURITY_CTX, HAS_INODE_DAX, HAS_EXPIRE_ONLY. */
    static final int LINUX_6_1_FLAGS2 = 0xb;
    /** flags2 of a 6.12 guest: bits 32..40. */
    static final int LINUX_6_12_FLAGS2 = 0x1ff;
    static final int DEFAULT_WRITABLE = 64 * 1024;

    final RecordingFileSystem fs = new RecordingFileSystem();
    final FuseServer server;
    BufferMemory last;
    private long unique = 1;

    ServerHarness(FuseServerConfig config) {
        server = new FuseServer(fs, config);
    }

    ServerHarness() {
        this(FuseServerConfig.defaults());
    }

    static byte[] initIn(int major, int minor, int flags, int flags2) {
        InitIn in = new InitIn();
        in.major = major;
        in.minor = minor;
        in.maxReadahead = 0x20000;
        in.flags = flags;
        in.flags2 = flags2;
        return FuseRequests.struct(in, InitIn.BYTES, (h, b) -> h.encode(b, 0));
    }

    /** Opens a session as a 6.1 guest does, then forgets the calls it caused. */
    ServerHarness init() {
        Reply r = send(Opcode.INIT, 0, initIn(7, 38, LINUX_6_1_FLAGS, LINUX_6_1_FLAGS2));
        if (r.error() != 0 || !server.sessionOpen()) {
            throw new AssertionError("INIT failed: " + r);
        }
        fs.calls.clear();
        return this;
    }

    long nextUnique() {
        return unique;
    }

    Reply send(int opcode, long nodeId, byte[]... parts) {
        return send(FuseRequests.request(opcode, unique, nodeId, 0, parts), DEFAULT_WRITABLE);
    }

    Reply sendWithRoom(int writable, int opcode, long nodeId, byte[]... parts) {
        return send(FuseRequests.request(opcode, unique, nodeId, 0, parts), writable);
    }

    Reply send(ByteBuffer request, int writable) {
        return send(new BufferMemory(request, writable));
    }

    Reply send(BufferMemory memory) {
        unique++;
        last = memory;
        int used = server.handle(1, memory);
        return Reply.of(used, memory);
    }
}
