package dev.jvirtiofsd.daemon.fuse;

import dev.jvirtiofsd.protocol.InHeader;
import dev.jvirtiofsd.protocol.OutHeader;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.function.BiConsumer;

/** Builds FUSE requests as the guest kernel lays them out, and takes replies apart. */
final class FuseRequests {
    static final int UID = 1000;
    static final int GID = 1001;
    static final int PID = 4242;

    private FuseRequests() {
    }

    /** A request: the in-header (its len counting every part), then the parts in order. */
    static ByteBuffer request(int opcode, long unique, long nodeId, int totalExtlen, byte[]... parts) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            body.writeBytes(p);
        }
        InHeader h = new InHeader();
        h.len = InHeader.BYTES + body.size();
        h.opcode = opcode;
        h.unique = unique;
        h.nodeid = nodeId;
        h.uid = UID;
        h.gid = GID;
        h.pid = PID;
        h.totalExtlen = totalExtlen;
        ByteBuffer b = ByteBuffer.allocate(h.len).order(ByteOrder.LITTLE_ENDIAN);
        h.encode(b, 0);
        b.put(InHeader.BYTES, body.toByteArray());
        return b;
    }

    /** A struct's bytes, encoded by {@code encoder} into a buffer of {@code size}. */
    static <T> byte[] struct(T holder, int size, BiConsumer<T, ByteBuffer> encoder) {
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        encoder.accept(holder, b);
        return b.array();
    }

    /** A name as the kernel sends it: its bytes and a NUL. */
    static byte[] name(String s) {
        byte[] raw = s.getBytes(StandardCharsets.UTF_8);
        byte[] withNul = new byte[raw.length + 1];
        System.arraycopy(raw, 0, withNul, 0, raw.length);
        return withNul;
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A reply as the guest would see it. */
    record Reply(int used, int length, int error, long unique, ByteBuffer payload) {
        static Reply of(int used, BufferMemory memory) {
            ByteBuffer w = memory.writable;
            if (used == 0) {
                return new Reply(0, 0, 0, 0, ByteBuffer.allocate(0));
            }
            OutHeader h = new OutHeader().decode(w, 0);
            ByteBuffer payload = w.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            payload.position(OutHeader.BYTES).limit(Math.min(w.capacity(), Math.max(OutHeader.BYTES, h.len)));
            return new Reply(used, h.len, h.error, h.unique, payload.slice().order(ByteOrder.LITTLE_ENDIAN));
        }

        int payloadLength() {
            return length - OutHeader.BYTES;
        }
    }
}
