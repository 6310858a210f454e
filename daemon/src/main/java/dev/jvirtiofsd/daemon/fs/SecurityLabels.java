package dev.jvirtiofsd.daemon.fs;

import dev.jvirtiofsd.daemon.sys.Fcntl;
import dev.jvirtiofsd.daemon.sys.ProcSelfFd;
import dev.jvirtiofsd.daemon.sys.Syscalls;

/**
 * The security context a guest sends with a create-type request (FUSE_SECURITY_CTX), stored as
 * the extended attribute it names on the new node, with the daemon's own credentials (setting a
 * security.* attribute takes privileges the guest user does not have). The name goes through
 * the same checks and {@code --xattrmap} rules as a SETXATTR's ({@link XattrNames}), so that e.g.
 * security.selinux can be kept as trusted.virtiofs.security.selinux. A node that cannot be
 * labelled is removed again and the error returned: the guest must not get an unlabelled file it
 * believes labelled.
 */
final class SecurityLabels {
    private final ProcSelfFd procSelfFd;
    private final XattrNames names;

    SecurityLabels(ProcSelfFd procSelfFd, XattrNames names) {
        this.procSelfFd = procSelfFd;
        this.names = names;
    }

    /** Labels the regular file just created as {@code name} in {@code dirFd} and opened as {@code fd}. */
    int labelOpened(int fd, int dirFd, byte[] name, RequestContext ctx) {
        int ret = labelUnnamed(fd, ctx);
        if (ret < 0) {
            Syscalls.unlinkat(dirFd, name, 0);
        }
        return ret;
    }

    /** Labels an O_TMPFILE file, opened as {@code fd}; it has no name to remove on failure. */
    int labelUnnamed(int fd, RequestContext ctx) {
        int ret = names.check(ctx.securityContextName());
        if (ret < 0) {
            return ret;
        }
        return Syscalls.fsetxattr(fd, names.toHost(ctx.securityContextName()), ctx.securityContextValue(), 0);
    }

    /**
     * Labels the node just created as {@code name} in {@code dirFd}, reached by its O_PATH fd
     * {@code pathFd} (any file type: nothing is opened, the call goes through the magic link).
     */
    int labelPath(int pathFd, int dirFd, byte[] name, boolean directory, RequestContext ctx) {
        int ret = names.check(ctx.securityContextName());
        if (ret == 0) {
            ret = procSelfFd.setxattr(pathFd, names.toHost(ctx.securityContextName()), ctx.securityContextValue(), 0);
        }
        if (ret < 0) {
            Syscalls.unlinkat(dirFd, name, directory ? Fcntl.AT_REMOVEDIR : 0);
        }
        return ret;
    }
}
