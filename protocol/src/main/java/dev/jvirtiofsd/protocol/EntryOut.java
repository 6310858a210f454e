package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_entry_out}: the reply to LOOKUP, MKNOD, MKDIR, SYMLINK, LINK and the
 * first half of CREATE's.
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class EntryOut {
    /** sizeof(struct fuse_entry_out). */
    public static final int BYTES = 128;

    /** Node id of the entry; 0 is a negative entry. */
    public static final int NODEID = 0;
    public static final int GENERATION = 8;
    /** Cache timeout for the name, seconds. */
    public static final int ENTRY_VALID = 16;
    /** Cache timeout for the attributes, seconds. */
    public static final int ATTR_VALID = 24;
    public static final int ENTRY_VALID_NSEC = 32;
    public static final int ATTR_VALID_NSEC = 36;
    public static final int ATTR = 40;

    public long nodeid;
    public long generation;
    public long entryValid;
    public long attrValid;
    public int entryValidNsec;
    public int attrValidNsec;
    public final FuseAttr attr = new FuseAttr();

    /** Reads the struct at {@code at} into this holder. */
    public EntryOut decode(ByteBuffer b, int at) {
        nodeid = b.getLong(at + NODEID);
        generation = b.getLong(at + GENERATION);
        entryValid = b.getLong(at + ENTRY_VALID);
        attrValid = b.getLong(at + ATTR_VALID);
        entryValidNsec = b.getInt(at + ENTRY_VALID_NSEC);
        attrValidNsec = b.getInt(at + ATTR_VALID_NSEC);
        attr.decode(b, at + ATTR);
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes, padding zeroed). */
    public void encode(ByteBuffer b, int at) {
        b.putLong(at + NODEID, nodeid);
        b.putLong(at + GENERATION, generation);
        b.putLong(at + ENTRY_VALID, entryValid);
        b.putLong(at + ATTR_VALID, attrValid);
        b.putInt(at + ENTRY_VALID_NSEC, entryValidNsec);
        b.putInt(at + ATTR_VALID_NSEC, attrValidNsec);
        attr.encode(b, at + ATTR);
    }
}
