package dev.jvirtiofsd.daemon.sys;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.byref.IntByReference;

/**
 * What the filesystem of a directory supports, asked the kernel directly: file handles
 * (name_to_handle_at) and user extended attributes (a probe attribute set and removed again).
 * For {@code jvirtiofsd check}; each call returns 0 or a negative errno.
 */
public final class HostProbes {
    /** The name of the probe attribute; it is removed again at once. */
    public static final String XATTR_PROBE = "user.jvirtiofsd.check";

    /** struct file_handle: handle_bytes, handle_type, then up to MAX_HANDLE_SZ bytes. */
    private static final int MAX_HANDLE_SIZE = 128;
    private static final int FILE_HANDLE_HEADER = 8;
    private static final int XATTR_CREATE = 1;

    /** The calls used here alone. */
    public interface ProbeLibC {
        int name_to_handle_at(int dirfd, String path, Pointer handle, IntByReference mountId, int flags);

        int lsetxattr(String path, String name, byte[] value, long size, int flags);

        int lremovexattr(String path, String name);
    }

    private static final ProbeLibC LIBC = LibraryLoader.create(ProbeLibC.class).load("c");

    private HostProbes() {
    }

    /** Whether the kernel gives a file handle for {@code dir}: 0, or -EOPNOTSUPP where the filesystem has none. */
    public static int fileHandle(Path dir) {
        Pointer handle = Native.allocate(FILE_HANDLE_HEADER + MAX_HANDLE_SIZE);
        handle.putInt(0, MAX_HANDLE_SIZE);
        return Native.result(LIBC.name_to_handle_at(Fcntl.AT_FDCWD, dir.toString(), handle, new IntByReference(), 0));
    }

    /**
     * Sets the probe attribute {@link #XATTR_PROBE} on {@code dir} (not following a symlink) and
     * removes it again: 0, or -EOPNOTSUPP where the filesystem has no user attributes.
     */
    public static int userXattr(Path dir) {
        byte[] value = "1".getBytes(StandardCharsets.US_ASCII);
        int set = Native.result(LIBC.lsetxattr(dir.toString(), XATTR_PROBE, value, value.length, XATTR_CREATE));
        if (set == 0) {
            LIBC.lremovexattr(dir.toString(), XATTR_PROBE);
        }
        return set;
    }
}
