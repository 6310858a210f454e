package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_in_header}: the head of every request.
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class InHeader {
    /** sizeof(struct fuse_in_header). */
    public static final int BYTES = 40;

    /** Length of the whole request, this header included. */
    public static final int LEN = 0;
    public static final int OPCODE = 4;
    public static final int UNIQUE = 8;
    public static final int NODEID = 16;
    public static final int UID = 24;
    public static final int GID = 28;
    public static final int PID = 32;
    /** Length of the extensions at the end of the request, in 8-byte units. */
    public static final int TOTAL_EXTLEN = 36;

    public int len;
    public int opcode;
    public long unique;
    public long nodeid;
    public int uid;
    public int gid;
    public int pid;
    public int totalExtlen; // unsigned 16-bit

    /** Reads the struct at {@code at} into this holder. */
    public InHeader decode(ByteBuffer b, int at) {
        len = b.getInt(at + LEN);
        opcode = b.getInt(at + OPCODE);
        unique = b.getLong(at + UNIQUE);
        nodeid = b.getLong(at + NODEID);
        uid = b.getInt(at + UID);
        gid = b.getInt(at + GID);
        pid = b.getInt(at + PID);
        totalExtlen = Short.toUnsignedInt(b.getShort(at + TOTAL_EXTLEN));
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes, padding zeroed). */
    public void encode(ByteBuffer b, int at) {
        b.putInt(at + LEN, len);
        b.putInt(at + OPCODE, opcode);
        b.putLong(at + UNIQUE, unique);
        b.putLong(at + NODEID, nodeid);
        b.putInt(at + UID, uid);
        b.putInt(at + GID, gid);
        b.putInt(at + PID, pid);
        b.putShort(at + TOTAL_EXTLEN, (short) totalExtlen);
        b.putShort(at + 38, (short) 0); // padding
    }
}
