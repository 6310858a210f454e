package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_dirent}: one READDIR entry, followed by {@code namelen} name bytes and zero
 * padding to the next multiple of 8 (FUSE_DIRENT_SIZE).
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class Dirent {
    /** sizeof(struct fuse_dirent). */
    public static final int BYTES = 24;

    public static final int INO = 0;
    /** Offset to continue reading after this entry. */
    public static final int OFF = 8;
    public static final int NAMELEN = 16;
    /** d_type (DT_*). */
    public static final int TYPE = 20;

    /** Offset of the name (FUSE_NAME_OFFSET). */
    public static final int NAME = BYTES;

    public long ino;
    public long off;
    public int namelen;
    public int type;

    /** Reads the struct at {@code at} into this holder. */
    public Dirent decode(ByteBuffer b, int at) {
        ino = b.getLong(at + INO);
        off = b.getLong(at + OFF);
        namelen = b.getInt(at + NAMELEN);
        type = b.getInt(at + TYPE);
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes, padding zeroed). */
    public void encode(ByteBuffer b, int at) {
        b.putLong(at + INO, ino);
        b.putLong(at + OFF, off);
        b.putInt(at + NAMELEN, namelen);
        b.putInt(at + TYPE, type);
    }

    /** Length of a record with a name of {@code nameLength} bytes, padding included (FUSE_DIRENT_SIZE). */
    public static int recordLength(int nameLength) {
        return FuseProtocol.recAlign(BYTES + nameLength);
    }

    /**
     * Writes a whole record (header, name, zero padding) at {@code at} and returns its length.
     * The caller checks that {@link #recordLength} bytes fit.
     */
    public static int write(ByteBuffer b, int at, long ino, long off, int type, byte[] name, int nameLength) {
        b.putLong(at + INO, ino);
        b.putLong(at + OFF, off);
        b.putInt(at + NAMELEN, nameLength);
        b.putInt(at + TYPE, type);
        b.put(at + NAME, name, 0, nameLength);
        int end = at + recordLength(nameLength);
        for (int i = at + NAME + nameLength; i < end; i++) {
            b.put(i, (byte) 0);
        }
        return end - at;
    }

    /** Copies the name of the record at {@code at} (after {@link #decode}) into a new array. */
    public byte[] name(ByteBuffer b, int at) {
        byte[] name = new byte[namelen];
        b.get(at + NAME, name);
        return name;
    }
}
