package dev.jvirtiofsd.daemon.fs;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import dev.jvirtiofsd.daemon.sys.Errno;
import dev.jvirtiofsd.daemon.sys.Fcntl;
import dev.jvirtiofsd.daemon.sys.FileMode;
import dev.jvirtiofsd.daemon.sys.ProcSelfFd;
import dev.jvirtiofsd.daemon.sys.Stat;
import dev.jvirtiofsd.daemon.sys.Syscalls;

/**
 * Extended attributes of an inode. Regular files and directories are opened read-only through
 * their magic link and use the f*xattr calls; other types (symlinks, fifos, sockets, devices) are
 * never opened, so the path calls go through the magic link, which ends at the inode itself.
 *
 * <p>Without POSIX ACL support (--posix-acl, negotiated at INIT) the ACL attributes are refused
 * (EOPNOTSUPP) and left out of listings, as the Rust virtiofsd does: a guest that cannot have
 * them honoured must not set them. With it they pass through, and setting an access ACL with
 * FUSE_SETXATTR_ACL_KILL_SGID first clears S_ISGID, as the guest kernel asked.
 */
final class XattrAccess {
    private static final byte[] ACL_ACCESS = "system.posix_acl_access".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ACL_DEFAULT = "system.posix_acl_default".getBytes(StandardCharsets.US_ASCII);
    private static final ThreadLocal<byte[]> LIST_BUFFER = ThreadLocal.withInitial(() -> new byte[Fcntl.XATTR_LIST_MAX]);

    private final ProcSelfFd procSelfFd;
    /** Whether the ACL attributes are served (POSIX_ACL negotiated); set by INIT, cleared by DESTROY. */
    private volatile boolean acls;

    XattrAccess(ProcSelfFd procSelfFd) {
        this.procSelfFd = procSelfFd;
    }

    void serveAcls(boolean value) {
        acls = value;
    }

    /** @param killSgid the guest asked that setting an access ACL clear S_ISGID (SETXATTR_ACL_KILL_SGID) */
    int set(Inode inode, byte[] name, byte[] value, int flags, boolean killSgid) {
        int bad = checkName(name);
        if (bad < 0) {
            return bad;
        }
        if (value == null) {
            return -Errno.EINVAL;
        }
        if (killSgid && acls && Arrays.equals(name, ACL_ACCESS)) {
            int ret = clearSetGroupId(inode);
            if (ret < 0) {
                return ret;
            }
        }
        if (!openable(inode)) {
            return procSelfFd.setxattr(inode.fd, name, value, flags);
        }
        int fd = openForXattr(inode);
        if (fd < 0) {
            return fd;
        }
        try {
            return Syscalls.fsetxattr(fd, name, value, flags);
        } finally {
            Syscalls.close(fd);
        }
    }

    int get(Inode inode, byte[] name, byte[] buf) {
        int bad = checkName(name);
        if (bad < 0) {
            return bad;
        }
        if (!openable(inode)) {
            return procSelfFd.getxattr(inode.fd, name, buf);
        }
        int fd = openForXattr(inode);
        if (fd < 0) {
            return fd;
        }
        try {
            return Syscalls.fgetxattr(fd, name, buf);
        } finally {
            Syscalls.close(fd);
        }
    }

    /** With {@code buf == null}: the host list's size (before filtering, as the Rust virtiofsd answers). */
    int list(Inode inode, byte[] buf) {
        byte[] raw = buf == null ? null : LIST_BUFFER.get();
        int length;
        if (!openable(inode)) {
            length = procSelfFd.listxattr(inode.fd, raw);
        } else {
            int fd = openForXattr(inode);
            if (fd < 0) {
                return fd;
            }
            try {
                length = Syscalls.flistxattr(fd, raw);
            } finally {
                Syscalls.close(fd);
            }
        }
        if (length < 0 || buf == null) {
            return length;
        }
        if (acls) {
            if (length > buf.length) {
                return -Errno.ERANGE;
            }
            System.arraycopy(raw, 0, buf, 0, length);
            return length;
        }
        return filterList(raw, length, buf);
    }

    int remove(Inode inode, byte[] name) {
        int bad = checkName(name);
        if (bad < 0) {
            return bad;
        }
        if (!openable(inode)) {
            return procSelfFd.removexattr(inode.fd, name);
        }
        int fd = openForXattr(inode);
        if (fd < 0) {
            return fd;
        }
        try {
            return Syscalls.fremovexattr(fd, name);
        } finally {
            Syscalls.close(fd);
        }
    }

    /** chmod without S_ISGID, as the guest kernel would have done for its unprivileged caller. */
    private int clearSetGroupId(Inode inode) {
        Stat st = new Stat();
        int ret = Syscalls.fstat(inode.fd, st);
        if (ret < 0 || (st.mode & FileMode.S_ISGID) == 0 || FileMode.isSymlink(st.mode)) {
            return ret < 0 ? ret : 0;
        }
        return procSelfFd.chmod(inode.fd, st.mode & 07777 & ~FileMode.S_ISGID);
    }

    private static boolean openable(Inode inode) {
        return inode.fileType == FileMode.S_IFREG || inode.fileType == FileMode.S_IFDIR;
    }

    private int openForXattr(Inode inode) {
        return procSelfFd.reopen(inode.fd, Fcntl.O_RDONLY | Fcntl.O_NONBLOCK);
    }

    private int checkName(byte[] name) {
        if (name == null || Names.checkNoNul(name) < 0) {
            return -Errno.EINVAL;
        }
        if (!acls && isBlocked(name, 0, name.length)) {
            return -Errno.EOPNOTSUPP;
        }
        return 0;
    }

    /** A name is blocked if it is a prefix of either ACL attribute's name (the Rust rule). */
    static boolean isBlocked(byte[] name, int offset, int length) {
        return isPrefix(name, offset, length, ACL_ACCESS) || isPrefix(name, offset, length, ACL_DEFAULT);
    }

    private static boolean isPrefix(byte[] name, int offset, int length, byte[] of) {
        if (length > of.length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (name[offset + i] != of[i]) {
                return false;
            }
        }
        return true;
    }

    /** Copies the NUL-terminated names of {@code raw[0..length)} that are not blocked into {@code out}. */
    static int filterList(byte[] raw, int length, byte[] out) {
        int written = 0;
        int start = 0;
        while (start < length) {
            int end = start;
            while (end < length && raw[end] != 0) {
                end++;
            }
            int nameLength = end - start;
            if (nameLength > 0 && !isBlocked(raw, start, nameLength)) {
                if (written + nameLength + 1 > out.length) {
                    return -Errno.ERANGE;
                }
                System.arraycopy(raw, start, out, written, nameLength);
                out[written + nameLength] = 0;
                written += nameLength + 1;
            }
            start = end + 1;
        }
        return written;
    }
}
