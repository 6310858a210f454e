package dev.jvirtiofsd.daemon.fuse;

import dev.jvirtiofsd.daemon.fs.DirSink;
import dev.jvirtiofsd.protocol.Dirent;
import java.nio.ByteBuffer;

/** Packs READDIR entries ({@code fuse_dirent}) into a reply until the guest's size is used. */
final class DirentPacker implements DirSink {
    private ByteBuffer buffer;
    private int start;
    private int size;
    private int used;

    /** Packs from {@code start} of {@code buffer}, at most {@code size} bytes. */
    void begin(ByteBuffer buffer, int start, int size) {
        this.buffer = buffer;
        this.start = start;
        this.size = size;
        used = 0;
    }

    /** Bytes packed so far. */
    int used() {
        return used;
    }

    @Override
    public boolean add(long ino, long nextOffset, int type, byte[] name, int nameLength) {
        if (nameLength < 0 || nameLength > name.length || nameLength > size) {
            return false;
        }
        int length = Dirent.recordLength(nameLength);
        if (length > size - used) {
            return false;
        }
        used += Dirent.write(buffer, start + used, ino, nextOffset, type, name, nameLength);
        return true;
    }
}
