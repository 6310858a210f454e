package dev.jvirtiofsd.daemon.fs;

import dev.jvirtiofsd.daemon.sys.Errno;
import dev.jvirtiofsd.daemon.sys.FileControl;

/**
 * The ioctls passed on to the host: those of chattr/lsattr (FS_IOC_GETFLAGS/SETFLAGS, which a
 * Linux guest sends through its fileattr calls with an int argument) and FS_IOC_FSGETXATTR /
 * FSSETXATTR. Each has a fixed-size argument and touches only the file it is called on, so
 * passing it is safe; the guest kernel checks ownership and CAP_LINUX_IMMUTABLE before it sends
 * a change. Every other command answers ENOTTY, as a file without that ioctl would.
 */
final class FileIoctls {
    private static final int INT_BYTES = 4;

    private FileIoctls() {
    }

    /** Whether {@code cmd} is one this class serves. */
    static boolean isPassed(int cmd) {
        switch (cmd) {
            case FileControl.FS_IOC_GETFLAGS:
            case FileControl.FS_IOC32_GETFLAGS:
            case FileControl.FS_IOC_SETFLAGS:
            case FileControl.FS_IOC32_SETFLAGS:
            case FileControl.FS_IOC_FSGETXATTR:
            case FileControl.FS_IOC_FSSETXATTR:
                return true;
            default:
                return false;
        }
    }

    /**
     * Runs {@code cmd} on {@code fd}. Returns the output bytes placed in {@code out}, or a
     * negative errno (EINVAL when the guest's argument sizes do not fit the command).
     */
    static int serve(int fd, int cmd, byte[] in, int inSize, byte[] out) {
        switch (cmd) {
            case FileControl.FS_IOC_GETFLAGS:
            case FileControl.FS_IOC32_GETFLAGS: {
                if (out.length < INT_BYTES) {
                    return -Errno.EINVAL;
                }
                long flags = FileControl.getFlags(fd);
                if (flags < 0) {
                    return (int) flags;
                }
                putInt(out, (int) flags);
                return INT_BYTES;
            }
            case FileControl.FS_IOC_SETFLAGS:
            case FileControl.FS_IOC32_SETFLAGS:
                if (inSize < INT_BYTES) {
                    return -Errno.EINVAL;
                }
                return FileControl.setFlags(fd, getInt(in));
            case FileControl.FS_IOC_FSGETXATTR: {
                if (out.length < FileControl.FSXATTR_BYTES) {
                    return -Errno.EINVAL;
                }
                int ret = FileControl.fsGetXattr(fd, out);
                return ret < 0 ? ret : FileControl.FSXATTR_BYTES;
            }
            case FileControl.FS_IOC_FSSETXATTR:
                if (inSize < FileControl.FSXATTR_BYTES) {
                    return -Errno.EINVAL;
                }
                return FileControl.fsSetXattr(fd, in);
            default:
                return -Errno.ENOTTY;
        }
    }

    private static int getInt(byte[] b) {
        return (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
    }

    private static void putInt(byte[] b, int v) {
        b[0] = (byte) v;
        b[1] = (byte) (v >>> 8);
        b[2] = (byte) (v >>> 16);
        b[3] = (byte) (v >>> 24);
    }
}
