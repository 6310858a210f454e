package dev.jvirtiofsd.daemon.fs;

import java.util.Arrays;

import dev.jvirtiofsd.daemon.sys.Syscalls;

/**
 * A file named by its file handle (name_to_handle_at) on one mount, instead of by an open fd: the
 * handle stays valid without keeping anything open, and it carries the inode's generation, so a
 * new file that reuses a deleted one's inode number has another handle. Immutable; two handles
 * are equal when they name the same file on the same mount.
 */
final class FileHandle {
    final long mountId;
    /** The whole {@code struct file_handle}: handle_bytes, handle_type, then the handle itself. */
    private final byte[] handle;
    private final int hash;

    private FileHandle(long mountId, byte[] handle) {
        this.mountId = mountId;
        this.handle = handle;
        this.hash = 31 * Long.hashCode(mountId) + Arrays.hashCode(handle);
    }

    /** The handle that {@link Syscalls#nameToHandle} left in {@code buffer}, with its mount id. */
    static FileHandle copyOf(byte[] buffer, long mountId) {
        int length = Syscalls.FILE_HANDLE_HEADER + Syscalls.handleBytes(buffer);
        return new FileHandle(mountId, Arrays.copyOf(buffer, length));
    }

    /** open_by_handle_at against {@code mountFd}, a non-O_PATH fd on this handle's mount: a new fd or -errno. */
    int open(int mountFd, int flags) {
        return Syscalls.openByHandle(mountFd, handle, flags);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FileHandle other && other.hash == hash && other.mountId == mountId
                && Arrays.equals(other.handle, handle);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return "handle " + Arrays.toString(handle) + " on mount " + mountId;
    }
}
