package dev.jvirtiofsd.vhostuser.frontend;

import java.nio.ByteBuffer;

/** A message the backend sent back: header fields and the payload (little-endian, read-only use). */
public record Reply(int request, int flags, ByteBuffer payload) {

    /** The payload as one u64 (acks and GET_* replies); throws if it is not 8 bytes. */
    public long u64() {
        if (payload.remaining() != 8) {
            throw new IllegalStateException("reply payload is " + payload.remaining() + " bytes, not 8");
        }
        return payload.getLong(payload.position());
    }
}
