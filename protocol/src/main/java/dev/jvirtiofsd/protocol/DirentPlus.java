package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_direntplus}: one READDIRPLUS entry, an entry_out before a dirent, then the
 * name and zero padding to the next multiple of 8 (FUSE_DIRENTPLUS_SIZE).
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class DirentPlus {
    /** sizeof(struct fuse_direntplus). */
    public static final int BYTES = 152;

    public static final int ENTRY_OUT = 0;
    public static final int DIRENT = 128;

    /** Offset of the name (FUSE_NAME_OFFSET_DIRENTPLUS). */
    public static final int NAME = BYTES;

    public final EntryOut entryOut = new EntryOut();
    public final Dirent dirent = new Dirent();

    /** Reads the struct at {@code at} into this holder. */
    public DirentPlus decode(ByteBuffer b, int at) {
        entryOut.decode(b, at + ENTRY_OUT);
        dirent.decode(b, at + DIRENT);
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes, padding zeroed). */
    public void encode(ByteBuffer b, int at) {
        entryOut.encode(b, at + ENTRY_OUT);
        dirent.encode(b, at + DIRENT);
    }

    /** Length of a record with a name of {@code nameLength} bytes, padding included (FUSE_DIRENTPLUS_SIZE). */
    public static int recordLength(int nameLength) {
        return FuseProtocol.recAlign(BYTES + nameLength);
    }
}
