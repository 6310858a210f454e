package dev.jvirtiofsd.daemon.fs;

import java.util.Arrays;

import dev.jvirtiofsd.daemon.sys.Errno;
import dev.jvirtiofsd.daemon.sys.ProcSelfFd;
import dev.jvirtiofsd.daemon.sys.Syscalls;

/**
 * A file's capabilities (security.capability) kept on the host under another name because
 * {@code --xattrmap} renames them. The host kernel drops a file's capabilities when the file is
 * written, truncated or given a new owner, but only under their real name; under the new one the
 * daemon drops them itself, where the Rust virtiofsd does: before a WRITE, a truncating SETATTR,
 * a chown and a SETXATTR, and after an OPEN with O_TRUNC.
 *
 * <p>Only regular files are handled: the callers pass nothing else. Capabilities mean nothing on
 * other inodes, and on symlinks and special files a {@code user.*} name could not even be
 * removed (EPERM), which would fail the guest's {@code chown -h}.
 */
final class RenamedCapability {
    private final byte[] hostName;
    private final ProcSelfFd procSelfFd;

    /** @param hostName the host's name for security.capability, or null when it is not renamed */
    RenamedCapability(byte[] hostName, ProcSelfFd procSelfFd) {
        this.hostName = hostName;
        this.procSelfFd = procSelfFd;
    }

    /** Whether there is anything to do: the map renames security.capability. */
    boolean renamed() {
        return hostName != null;
    }

    /** Whether {@code name} is the host's name of the capabilities. */
    boolean isHostName(byte[] name) {
        return hostName != null && Arrays.equals(hostName, name);
    }

    /** Drops the capabilities of the regular file open as {@code fd}: 0, or the removal's errno. */
    int dropFrom(int fd) {
        return hostName == null ? 0 : absentIsFine(Syscalls.fremovexattr(fd, hostName));
    }

    /** The same for a regular file known by its O_PATH fd (through its magic link). */
    int dropThroughPath(int pathFd) {
        return hostName == null ? 0 : absentIsFine(procSelfFd.removexattr(pathFd, hostName));
    }

    /** None there, or a file system without xattrs: nothing to drop. */
    private static int absentIsFine(int ret) {
        return ret == -Errno.ENODATA || ret == -Errno.EOPNOTSUPP ? 0 : ret;
    }
}
