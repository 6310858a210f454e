package dev.jvirtiofsd.daemon.fs;

import dev.jvirtiofsd.daemon.sys.Errno;
import dev.jvirtiofsd.daemon.sys.Fcntl;

/** Checks of the names a guest sends: one path component, nothing that could leave the directory. */
final class Names {
    private Names() {
    }

    /**
     * 0 if {@code name} is a plain directory entry name, else the negative errno to answer:
     * ENOENT for an empty name (as the kernel says for ""), ENAMETOOLONG above 255 bytes,
     * EINVAL for '/', NUL, "." and "..".
     */
    static int check(byte[] name) {
        if (name == null || name.length == 0) {
            return -Errno.ENOENT;
        }
        if (name.length > Fcntl.NAME_MAX) {
            return -Errno.ENAMETOOLONG;
        }
        for (byte b : name) {
            if (b == '/' || b == 0) {
                return -Errno.EINVAL;
            }
        }
        if (isDot(name) || isDotDot(name)) {
            return -Errno.EINVAL;
        }
        return 0;
    }

    static boolean isDot(byte[] name) {
        return name != null && name.length == 1 && name[0] == '.';
    }

    static boolean isDotDot(byte[] name) {
        return name != null && name.length == 2 && name[0] == '.' && name[1] == '.';
    }

    /** 0 if {@code bytes} has no NUL (symlink targets, xattr names), else -EINVAL. */
    static int checkNoNul(byte[] bytes) {
        for (byte b : bytes) {
            if (b == 0) {
                return -Errno.EINVAL;
            }
        }
        return 0;
    }
}
