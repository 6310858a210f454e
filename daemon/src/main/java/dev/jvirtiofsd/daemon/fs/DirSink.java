package dev.jvirtiofsd.daemon.fs;

/** Receives directory entries from {@link FileSystem#readdir}, in order. */
@FunctionalInterface
public interface DirSink {
    /**
     * Offers one entry.
     *
     * @param ino the host inode number
     * @param nextOffset the offset to pass to the next readdir to continue after this entry
     * @param type the d_type (DT_*) of the entry
     * @param name the name's bytes, {@code name[0..nameLength)}
     * @return false when the entry did not fit and was not taken; readdir then stops
     */
    boolean add(long ino, long nextOffset, int type, byte[] name, int nameLength);
}
