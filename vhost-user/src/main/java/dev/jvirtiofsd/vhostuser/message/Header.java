package dev.jvirtiofsd.vhostuser.message;

import java.nio.ByteBuffer;

/**
 * The 12-byte header in front of every vhost-user message: u32 request, u32 flags, u32 payload
 * size, little-endian.
 */
public final class Header {
    public static final int SIZE = 12;
    /** Bits 0-1 of the flags: the protocol version, always 1. */
    public static final int VERSION_MASK = 0x3;
    public static final int VERSION = 0x1;
    /** Set on replies. */
    public static final int REPLY = 0x4;
    /** The frontend wants an ack (with REPLY_ACK negotiated). */
    public static final int NEED_REPLY = 0x8;
    /** Largest payload this backend reads; a bigger size breaks the framing. */
    public static final int MAX_PAYLOAD = 4096;

    private Header() {
    }

    /** Writes a header at {@code buffer}'s position (advancing it). */
    public static void write(ByteBuffer buffer, int request, int flags, int size) {
        buffer.putInt(request).putInt(flags).putInt(size);
    }
}
