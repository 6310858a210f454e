package dev.jvirtiofsd.daemon.sys;

import jnr.ffi.Pointer;

/** Reads directory entries with getdents64(2) into this thread's buffer and hands them out one by one. */
public final class Dirents {
    /** The directory has no more entries. */
    public static final int END = 0;
    /** The whole batch was taken; call again for more. */
    public static final int MORE = 1;
    /** The visitor refused an entry; it was not consumed. */
    public static final int STOPPED = 2;

    // struct linux_dirent64: d_ino u64, d_off s64, d_reclen u16, d_type u8, d_name[] (NUL-terminated)
    private static final int HEADER_SIZE = 19;

    /** Receives one entry; the name is {@code name[0..nameLength)} of a reused array. */
    @FunctionalInterface
    public interface Visitor {
        /** @return false to stop before this entry */
        boolean visit(long ino, long nextOffset, int type, byte[] name, int nameLength);
    }

    private Dirents() {
    }

    /**
     * Reads one batch at the directory fd's current position (see {@link Syscalls#lseek}) and
     * visits its entries in order. Returns {@link #END}, {@link #MORE}, {@link #STOPPED} or -errno.
     */
    public static int readBatch(int dirFd, Visitor visitor) {
        ThreadScratch scratch = ThreadScratch.get();
        Pointer buffer = scratch.dirents();
        long filled = Syscalls.getdents64(dirFd, buffer, ThreadScratch.DIRENT_BUFFER_SIZE);
        if (filled < 0) {
            return (int) filled;
        }
        if (filled == 0) {
            return END;
        }
        byte[] name = scratch.direntName;
        long pos = 0;
        while (pos + HEADER_SIZE < filled) {
            int recordLength = buffer.getShort(pos + 16) & 0xffff;
            if (recordLength <= HEADER_SIZE || pos + recordLength > filled) {
                // The kernel never does this; stop rather than walk off the batch.
                return -Errno.EIO;
            }
            long ino = buffer.getLong(pos);
            long nextOffset = buffer.getLong(pos + 8);
            int type = buffer.getByte(pos + 18) & 0xff;
            int room = Math.min(recordLength - HEADER_SIZE, name.length);
            buffer.get(pos + HEADER_SIZE, name, 0, room);
            int length = 0;
            while (length < room && name[length] != 0) {
                length++;
            }
            if (!visitor.visit(ino, nextOffset, type, name, length)) {
                return STOPPED;
            }
            pos += recordLength;
        }
        return MORE;
    }
}
