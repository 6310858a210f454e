package dev.jvirtiofsd.daemon.fs;

import dev.jvirtiofsd.daemon.sys.Errno;
import dev.jvirtiofsd.daemon.sys.Fcntl;
import dev.jvirtiofsd.daemon.sys.Stat;
import dev.jvirtiofsd.daemon.sys.Syscalls;

/**
 * Decides whether a directory lies inside the shared directory, by walking ".." up from it until
 * the shared directory or the top of the host's tree is reached. Needed for LOOKUP of "..": a
 * directory that someone on the host moved out of the tree must not lead the guest out with it.
 */
final class SharedDirBoundary {
    /** Deepest nesting walked; deeper is treated as outside. */
    private static final int MAX_DEPTH = 4096;
    private static final byte[] DOT_DOT = {'.', '.'};

    private SharedDirBoundary() {
    }

    /**
     * 1 if directory {@code dirFd} is the directory identified by {@code root} or below it, 0 if
     * not, else -errno. {@code st} is scratch space.
     */
    static int contains(InodeKey root, int dirFd, Stat st) {
        if (root == null) {
            return -Errno.EBADF;
        }
        int current = dirFd;
        InodeKey previous = null;
        try {
            for (int depth = 0; depth < MAX_DEPTH; depth++) {
                int ret = Syscalls.fstat(current, st);
                if (ret < 0) {
                    return ret;
                }
                InodeKey key = InodeStore.keyOf(st);
                if (key.equals(root)) {
                    return 1;
                }
                if (key.equals(previous)) {
                    return 0; // ".." of "/" is "/" itself: the walk reached the top
                }
                previous = key;
                int up = Syscalls.openat(current, DOT_DOT, Fcntl.O_PATH | Fcntl.O_DIRECTORY | Fcntl.O_CLOEXEC, 0);
                if (up < 0) {
                    return up;
                }
                if (current != dirFd) {
                    Syscalls.close(current);
                }
                current = up;
            }
            return 0;
        } finally {
            if (current != dirFd) {
                Syscalls.close(current);
            }
        }
    }
}
