package dev.jvirtiofsd.daemon.fs;

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
 * <p>Names are checked and mapped by {@link XattrNames} (the ACL attributes only with ACL support,
 * the {@code --xattrmap} rules). With ACL support, setting an access ACL with
 * FUSE_SETXATTR_ACL_KILL_SGID first clears S_ISGID, as the guest kernel asked.
 */
final class XattrAccess {
    private static final ThreadLocal<byte[]> LIST_BUFFER = ThreadLocal.withInitial(() -> new byte[Fcntl.XATTR_LIST_MAX]);

    private final ProcSelfFd procSelfFd;
    private final XattrNames names;
    private final RenamedCapability capability;

    XattrAccess(ProcSelfFd procSelfFd, XattrNames names, RenamedCapability capability) {
        this.procSelfFd = procSelfFd;
        this.names = names;
        this.capability = capability;
    }

    /** @param killSgid the guest asked that setting an access ACL clear S_ISGID (SETXATTR_ACL_KILL_SGID) */
    int set(Inode inode, byte[] guestName, byte[] value, int flags, boolean killSgid) {
        int bad = names.check(guestName);
        if (bad < 0) {
            return bad;
        }
        if (value == null) {
            return -Errno.EINVAL;
        }
        byte[] name = names.toHost(guestName);
        if (killSgid && names.servesAcls() && Arrays.equals(name, XattrNames.ACL_ACCESS)) {
            int ret = clearSetGroupId(inode);
            if (ret < 0) {
                return ret;
            }
        }
        if (!openable(inode)) {
            return procSelfFd.setxattr(inode.fd(), name, value, flags);
        }
        int fd = openForXattr(inode);
        if (fd < 0) {
            return fd;
        }
        try {
            // Setting the capabilities themselves replaces them: dropping them first would break XATTR_REPLACE.
            if (inode.fileType == FileMode.S_IFREG && !capability.isHostName(name)) {
                int ret = capability.dropFrom(fd);
                if (ret < 0) {
                    return ret;
                }
            }
            return Syscalls.fsetxattr(fd, name, value, flags);
        } finally {
            Syscalls.close(fd);
        }
    }

    /** A name the map calls {@code bad} has no value here (ENODATA), as in the Rust virtiofsd, rather than EPERM. */
    int get(Inode inode, byte[] guestName, byte[] buf) {
        int bad = names.check(guestName);
        if (bad < 0) {
            return bad == -Errno.EPERM ? -Errno.ENODATA : bad;
        }
        byte[] name = names.toHost(guestName);
        if (!openable(inode)) {
            return procSelfFd.getxattr(inode.fd(), name, buf);
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
            length = procSelfFd.listxattr(inode.fd(), raw);
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
        return names.toGuestList(raw, length, buf);
    }

    int remove(Inode inode, byte[] guestName) {
        int bad = names.check(guestName);
        if (bad < 0) {
            return bad;
        }
        byte[] name = names.toHost(guestName);
        if (!openable(inode)) {
            return procSelfFd.removexattr(inode.fd(), name);
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
        int ret = Syscalls.fstat(inode.fd(), st);
        if (ret < 0 || (st.mode & FileMode.S_ISGID) == 0 || FileMode.isSymlink(st.mode)) {
            return ret < 0 ? ret : 0;
        }
        return procSelfFd.chmod(inode.fd(), st.mode & 07777 & ~FileMode.S_ISGID);
    }

    private static boolean openable(Inode inode) {
        return inode.fileType == FileMode.S_IFREG || inode.fileType == FileMode.S_IFDIR;
    }

    private int openForXattr(Inode inode) {
        return procSelfFd.reopen(inode.fd(), Fcntl.O_RDONLY | Fcntl.O_NONBLOCK);
    }
}
