package dev.jvirtiofsd.daemon.fs;

import static dev.jvirtiofsd.daemon.fs.FuseFlags.FATTR_ATIME;
import static dev.jvirtiofsd.daemon.fs.FuseFlags.FATTR_ATIME_NOW;
import static dev.jvirtiofsd.daemon.fs.FuseFlags.FATTR_FH;
import static dev.jvirtiofsd.daemon.fs.FuseFlags.FATTR_GID;
import static dev.jvirtiofsd.daemon.fs.FuseFlags.FATTR_MODE;
import static dev.jvirtiofsd.daemon.fs.FuseFlags.FATTR_MTIME;
import static dev.jvirtiofsd.daemon.fs.FuseFlags.FATTR_MTIME_NOW;
import static dev.jvirtiofsd.daemon.fs.FuseFlags.FATTR_SIZE;
import static dev.jvirtiofsd.daemon.fs.FuseFlags.FATTR_UID;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.jvirtiofsd.daemon.idmap.IdTranslation;
import dev.jvirtiofsd.daemon.sys.Dirents;
import dev.jvirtiofsd.daemon.sys.Errno;
import dev.jvirtiofsd.daemon.sys.ErrnoException;
import dev.jvirtiofsd.daemon.sys.Fcntl;
import dev.jvirtiofsd.daemon.sys.FileControl;
import dev.jvirtiofsd.daemon.sys.FileMode;
import dev.jvirtiofsd.daemon.sys.ProcSelfFd;
import dev.jvirtiofsd.daemon.sys.Stat;
import dev.jvirtiofsd.daemon.sys.StatVfs;
import dev.jvirtiofsd.daemon.sys.Syscalls;
import dev.jvirtiofsd.daemon.sys.VectoredIo;

/**
 * The host side of every FUSE operation: a shared directory served through O_PATH fds, one per
 * inode the guest knows, and *at calls relative to them. With {@code --inode-file-handles} an
 * inode is held as a file handle instead and opened by handle for the requests that use it
 * ({@link Inode}), so only the files the guest has open stay open.
 *
 * <p>Confinement does not rest on a sandbox: every guest name is a single checked component
 * ({@link Names}), resolved relative to its parent's fd with O_NOFOLLOW (and openat2
 * RESOLVE_IN_ROOT where the kernel has it); symlinks are stored and read, never followed; calls
 * without an fd form go through the fd's /proc/self/fd magic link; ".." never climbs above the
 * shared directory. Only regular files and directories are ever opened for I/O.
 *
 * <p>Every operation returns a negative errno rather than throwing; it is the errno of the host
 * call that failed. Create-type calls (CREATE, MKNOD, MKDIR, SYMLINK, TMPFILE) run with the
 * requester's uid, gid and supplementary groups on the serving thread ({@link Credentials}), so
 * the host kernel checks the guest user's permissions and the new node is theirs; everything else
 * runs with the daemon's credentials, as in the Rust virtiofsd. The {@code umask} of a create is
 * applied only with POSIX ACLs (DONT_MASK); otherwise the guest kernel has applied it already.
 *
 * <p>With {@code --translate-uid}/{@code --translate-gid} ({@link IdTranslation}) the guest's ids
 * become host ids where they enter (the creator's identity, SETATTR's owner) and host ids become
 * the guest's where they leave (every attribute reply: entries, ATTR, STATX), and ACCESS compares
 * the requester with the owner as the guest sees it.
 */
public final class PassthroughFs implements FileSystem, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PassthroughFs.class);

    private static final int PATH_FLAGS = Fcntl.O_PATH | Fcntl.O_NOFOLLOW | Fcntl.O_CLOEXEC;
    private static final int RESOLVE = Fcntl.RESOLVE_IN_ROOT | Fcntl.RESOLVE_NO_MAGICLINKS;
    private static final byte[] DOT_DOT = {'.', '.'};
    private static final ThreadLocal<Stat> STAT = ThreadLocal.withInitial(Stat::new);
    private static final ThreadLocal<StatVfs> STATVFS = ThreadLocal.withInitial(StatVfs::new);

    private final PassthroughConfig config;
    private final IdTranslation ids;
    private final ProcSelfFd procSelfFd;
    private final XattrNames xattrNames;
    private final RenamedCapability capability;
    private final XattrAccess xattrs;
    private final SecurityLabels labels;
    private final boolean openat2;
    private final byte[] sharedDirPath;
    private final InodeStore inodes = new InodeStore();
    /** Null with --inode-file-handles=never. */
    private final FileHandles fileHandles;
    private final HandleTable handles = new HandleTable();
    private final LockTable locks;
    private final Object initLock = new Object();
    private final AtomicBoolean badNameLogged = new AtomicBoolean();

    /** Set by INIT from the negotiated flags, cleared by DESTROY. */
    private volatile boolean writeback;
    private volatile boolean announceSubmounts;
    private volatile InodeKey rootKey;
    /** Set by INIT: the request's umask applies on create (DONT_MASK), groups arrive (CREATE_SUPP_GROUP). */
    private volatile boolean applyRequestUmask;
    private volatile boolean supplementaryGroupsKnown;
    private volatile boolean labelNewNodes;
    private volatile boolean killprivV2;

    /**
     * Opens /proc/self/fd (at the configured path) and clears the process umask, so that the
     * modes the guest sends (its own umask already applied) are used as they are.
     */
    public PassthroughFs(PassthroughConfig config) throws ErrnoException {
        this.config = config;
        this.ids = config.idTranslation();
        this.procSelfFd = ProcSelfFd.open(config.procSelfFdPath());
        this.xattrNames = new XattrNames(config.xattrMap());
        this.capability = new RenamedCapability(xattrNames.renamedCapability(), procSelfFd);
        this.xattrs = new XattrAccess(procSelfFd, xattrNames, capability);
        this.labels = new SecurityLabels(procSelfFd, xattrNames);
        this.locks = new LockTable(procSelfFd, handles, config.posixLocks(), config.flockLocks());
        this.openat2 = config.useOpenat2() && Syscalls.openat2Supported();
        this.fileHandles = config.inodeFileHandles() == InodeFileHandles.NEVER ? null
                : new FileHandles(config.inodeFileHandles(), procSelfFd);
        this.sharedDirPath = config.sharedDir().toString().getBytes(StandardCharsets.UTF_8);
        Syscalls.umask(0);
        LOG.debug("passthrough of {}: openat2 {}, inode file handles {}", config.sharedDir(),
                openat2 ? "in use" : "not in use", config.inodeFileHandles());
    }

    /**
     * Whether inodes can be held as file handles for {@code dir} in this process as it runs now
     * (its filesystem gives handles, and opening one is allowed: CAP_DAC_READ_SEARCH). The Rust
     * virtiofsd's start-up check: in prefer mode a failure turns handles off, in mandatory mode it
     * is fatal.
     *
     * @param procSelfFdPath where this process's fd magic links are
     * @return null if they work, else a one-line reason
     */
    public static String probeFileHandles(Path dir, String procSelfFdPath) {
        try (ProcSelfFd proc = ProcSelfFd.open(procSelfFdPath)) {
            return FileHandles.probe(dir, proc);
        } catch (ErrnoException e) {
            return e.getMessage();
        }
    }

    /** Whether names are resolved with openat2 (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS). */
    public boolean usesOpenat2() {
        return openat2;
    }

    // ---- INIT and DESTROY ---------------------------------------------------------------------

    @Override
    public int init(long negotiatedFlags) {
        synchronized (initLock) {
            dropAll();
            int fd = Syscalls.openat(Fcntl.AT_FDCWD, sharedDirPath, PATH_FLAGS, 0);
            if (fd < 0) {
                LOG.error("cannot open the shared directory {}: {}", config.sharedDir(), Syscalls.strerror(-fd));
                return fd;
            }
            Stat st = STAT.get();
            int ret = Syscalls.fstat(fd, st);
            if (ret == 0 && !FileMode.isDirectory(st.mode) && !FileMode.isRegular(st.mode)) {
                // O_PATH|O_NOFOLLOW opens a symlink itself; the shared directory must not be one.
                ret = FileMode.isSymlink(st.mode) ? -Errno.ELOOP : -Errno.ENOTDIR;
                LOG.error("the shared directory {} is neither a directory nor a regular file", config.sharedDir());
            }
            if (ret < 0) {
                Syscalls.close(fd);
                return ret;
            }
            Inode root = inodes.installRoot(fd, st);
            rootKey = root.key;
            writeback = config.writeback() && (negotiatedFlags & FuseFlags.FUSE_WRITEBACK_CACHE) != 0;
            announceSubmounts = config.announceSubmounts() && (negotiatedFlags & FuseFlags.FUSE_SUBMOUNTS) != 0;
            applyRequestUmask = config.posixAcl() && (negotiatedFlags & IdentityFlags.FUSE_DONT_MASK) != 0;
            xattrNames.serveAcls(config.posixAcl() && (negotiatedFlags & IdentityFlags.FUSE_POSIX_ACL) != 0);
            supplementaryGroupsKnown = (negotiatedFlags & IdentityFlags.FUSE_CREATE_SUPP_GROUP) != 0;
            labelNewNodes = config.securityLabel() && (negotiatedFlags & IdentityFlags.FUSE_SECURITY_CTX) != 0;
            killprivV2 = config.killprivV2() && (negotiatedFlags & IdentityFlags.FUSE_HANDLE_KILLPRIV_V2) != 0;
            return 0;
        }
    }

    @Override
    public void destroy() {
        synchronized (initLock) {
            dropAll();
        }
    }

    private void dropAll() {
        locks.clear();
        handles.clear();
        inodes.clear();
        writeback = false;
        announceSubmounts = false;
        rootKey = null;
        applyRequestUmask = false;
        xattrNames.serveAcls(false);
        supplementaryGroupsKnown = false;
        labelNewNodes = false;
        killprivV2 = false;
    }

    /** Drops every inode and handle and closes /proc/self/fd. */
    @Override
    public void close() {
        destroy();
        locks.close();
        procSelfFd.close();
    }

    // ---- names and inodes ---------------------------------------------------------------------

    @Override
    public int lookup(RequestContext ctx, long parent, byte[] name, Entry out) {
        Inode dir = inodes.acquire(parent);
        if (dir == null) {
            return InodeStore.failure();
        }
        try {
            if (Names.isDot(name)) {
                return lookupSelf(dir, out);
            }
            if (Names.isDotDot(name)) {
                return dir.id == InodeStore.ROOT_ID ? lookupSelf(dir, out) : lookupParent(dir, out);
            }
            int bad = checkName(name);
            if (bad < 0) {
                return bad;
            }
            return lookupChild(dir, name, out);
        } finally {
            dir.unpin();
        }
    }

    @Override
    public void forget(long nodeId, long nlookup) {
        inodes.forget(nodeId, nlookup);
    }

    private int lookupChild(Inode dir, byte[] name, Entry out) {
        int fd = openChild(dir.fd(), name, PATH_FLAGS, 0);
        if (fd < 0) {
            return fd;
        }
        return enter(fd, dir, out);
    }

    /** "." (and ".." at the root): the node itself, one more lookup. */
    private int lookupSelf(Inode inode, Entry out) {
        if (!inode.incrementLookup()) {
            return -Errno.EBADF;
        }
        Stat st = STAT.get();
        int ret = Syscalls.fstat(inode.fd(), st);
        if (ret < 0) {
            inodes.forget(inode.id, 1);
            return ret;
        }
        fillEntry(out, inode.id, st, null);
        return 0;
    }

    /**
     * ".." below the root: the real parent, provided it lies inside the shared directory (a
     * directory moved out of the tree by someone on the host must not lead the guest out). A
     * plain openat: with RESOLVE_IN_ROOT the directory itself would be the root, and its own "..".
     */
    private int lookupParent(Inode dir, Entry out) {
        int fd = Syscalls.openat(dir.fd(), DOT_DOT, Fcntl.O_PATH | Fcntl.O_DIRECTORY | Fcntl.O_NOFOLLOW
                | Fcntl.O_CLOEXEC, 0);
        if (fd < 0) {
            return fd;
        }
        int inside = SharedDirBoundary.contains(rootKey, fd, STAT.get());
        if (inside <= 0) {
            Syscalls.close(fd);
            if (inside == 0) {
                LOG.debug("'..' of node {} lies outside the shared directory", dir.id);
                return -Errno.ENOENT;
            }
            return inside;
        }
        return enter(fd, null, out);
    }

    /** Opens {@code name} below {@code dirFd}, never following a symlink, never leaving {@code dirFd}. */
    private int openChild(int dirFd, byte[] name, int flags, int mode) {
        int all = flags | Fcntl.O_NOFOLLOW | Fcntl.O_CLOEXEC;
        if (openat2) {
            return Syscalls.openat2(dirFd, name, all, (all & Fcntl.O_CREAT) != 0 ? mode : 0, RESOLVE);
        }
        return Syscalls.openat(dirFd, name, all, mode);
    }

    /**
     * Registers one lookup of the file behind O_PATH fd {@code fd} (taken over) and fills
     * {@code out}. {@code parent} is the directory it was found in (pinned), null for "..".
     */
    private int enter(int fd, Inode parent, Entry out) {
        Stat st = STAT.get();
        int ret = Syscalls.fstat(fd, st);
        if (ret < 0) {
            Syscalls.close(fd);
            return ret;
        }
        Inode inode;
        if (fileHandles == null) {
            inode = inodes.addLookup(fd, st);
        } else {
            try {
                inode = addLookupByHandle(fd, parent, st);
            } catch (ErrnoException e) {
                Syscalls.close(fd);
                return -e.errno();
            }
        }
        fillEntry(out, inode.id, st, parent != null ? parent.key : null);
        return 0;
    }

    /**
     * One lookup of the file behind {@code fd} (taken over) held by its file handle, or by
     * {@code fd} where it has none (prefer mode). A new handle's mount fd comes from the parent
     * when that is on the same mount, else from the file itself (the root of a mount).
     */
    private Inode addLookupByHandle(int fd, Inode parent, Stat st) throws ErrnoException {
        FileHandle handle = fileHandles.handleOf(fd, st);
        if (handle == null) {
            return inodes.addLookup(fd, st);
        }
        InodeKey key = InodeStore.keyOf(st);
        Inode known = inodes.addLookupOfKnown(key, handle);
        if (known != null) {
            Syscalls.close(fd);
            return known;
        }
        boolean fromParent = parent != null && parent.key.mntId() == handle.mountId;
        MountFds.MountFd mount = fromParent
                ? fileHandles.mountFor(handle, parent.fd(), parent.fileType)
                : fileHandles.mountFor(handle, fd, st.fileType());
        if (mount == null) {
            return inodes.addLookup(fd, st);
        }
        Syscalls.close(fd);
        return inodes.addLookup(handle, mount, key, st.fileType());
    }

    private void fillEntry(Entry out, long nodeId, Stat st, InodeKey parentKey) {
        long timeout = config.cachePolicy().timeoutSeconds;
        out.nodeId = nodeId;
        out.generation = 0;
        out.entryValidSeconds = timeout;
        out.entryValidNanos = 0;
        out.attrValidSeconds = timeout;
        out.attrValidNanos = 0;
        fillAttr(out.attr, st);
        if (announceSubmounts && parentKey != null && FileMode.isDirectory(st.mode)
                && (st.dev() != parentKey.dev() || st.mntId != parentKey.mntId())) {
            out.attr.flags |= FuseFlags.FUSE_ATTR_SUBMOUNT;
        }
    }

    /** The attributes the guest sees: the host's, with the owner translated to the guest's ids. */
    private void fillAttr(Attr attr, Stat st) {
        attr.ino = st.ino;
        attr.size = st.size;
        attr.blocks = st.blocks;
        attr.atime = st.atimeSec;
        attr.mtime = st.mtimeSec;
        attr.ctime = st.ctimeSec;
        attr.atimensec = st.atimeNsec;
        attr.mtimensec = st.mtimeNsec;
        attr.ctimensec = st.ctimeNsec;
        attr.mode = st.mode;
        attr.nlink = st.nlink;
        attr.uid = ids.guestUid(st.uid);
        attr.gid = ids.guestGid(st.gid);
        attr.rdev = st.rdevEncoded();
        attr.blksize = st.blksize;
        attr.flags = 0;
    }

    private int checkName(byte[] name) {
        int bad = Names.check(name);
        if (bad < 0 && badNameLogged.compareAndSet(false, true)) {
            LOG.warn("refused a name the guest sent ({}); further ones are logged at debug level",
                    Syscalls.strerror(-bad));
        } else if (bad < 0) {
            LOG.debug("refused a name the guest sent ({})", Syscalls.strerror(-bad));
        }
        return bad;
    }

    private static boolean isOpenable(Inode inode) {
        return inode.fileType == FileMode.S_IFREG || inode.fileType == FileMode.S_IFDIR;
    }

    // ---- attributes ---------------------------------------------------------------------------

    @Override
    public int getattr(RequestContext ctx, long nodeId, long fh, Attr out) {
        Inode inode = inodes.acquire(nodeId);
        if (inode == null) {
            return InodeStore.failure();
        }
        try {
            Stat st = STAT.get();
            int ret = Syscalls.fstat(inode.fd(), st);
            if (ret < 0) {
                return ret;
            }
            fillAttr(out, st);
            return 0;
        } finally {
            inode.unpin();
        }
    }

    @Override
    public int setattr(RequestContext ctx, long nodeId, SetAttrRequest in, Attr out) {
        Inode inode = inodes.acquire(nodeId);
        if (inode == null) {
            return InodeStore.failure();
        }
        Handle handle = null;
        int truncateFd = -1;
        try {
            int valid = in.valid;
            if ((valid & FATTR_FH) != 0) {
                handle = handles.acquire(in.fh, nodeId);
                if (handle == null) {
                    return -Errno.EBADF;
                }
            } else if ((valid & FATTR_SIZE) != 0) {
                // Opened before anything changes, so a file that cannot be truncated is left untouched.
                if (!isOpenable(inode)) {
                    return -Errno.EINVAL; // truncate(2) of anything but a file or directory
                }
                truncateFd = procSelfFd.reopen(inode.fd(), Fcntl.O_RDWR | Fcntl.O_NONBLOCK);
                if (truncateFd < 0) {
                    return truncateFd;
                }
            }
            int ret = applySetattr(inode, handle, truncateFd, in);
            if (ret < 0) {
                return ret;
            }
            Stat st = STAT.get();
            ret = Syscalls.fstat(inode.fd(), st);
            if (ret < 0) {
                return ret;
            }
            fillAttr(out, st);
            return 0;
        } finally {
            if (truncateFd >= 0) {
                Syscalls.close(truncateFd);
            }
            if (handle != null) {
                handle.unpin();
            }
            inode.unpin();
        }
    }

    /**
     * Mode, then owner, then size, then times, each through the handle's fd when there is one. A
     * new owner is translated to host ids first, so a forbidden one changes nothing.
     */
    private int applySetattr(Inode inode, Handle handle, int truncateFd, SetAttrRequest in) {
        int valid = in.valid;
        int ret;
        int uid = -1;
        int gid = -1;
        if ((valid & FATTR_UID) != 0) {
            long host = ids.hostUid(in.uid);
            if (host == IdTranslation.FORBIDDEN) {
                return ids.refuse("uid", in.uid);
            }
            uid = (int) host;
        }
        if ((valid & FATTR_GID) != 0) {
            long host = ids.hostGid(in.gid);
            if (host == IdTranslation.FORBIDDEN) {
                return ids.refuse("gid", in.gid);
            }
            gid = (int) host;
        }
        if ((valid & FATTR_MODE) != 0) {
            if (inode.fileType == FileMode.S_IFLNK) {
                return -Errno.EOPNOTSUPP; // Linux has no symlink modes (fchmodat2 AT_SYMLINK_NOFOLLOW answers so)
            }
            int mode = in.mode & 07777;
            ret = handle != null ? Syscalls.fchmod(handle.fd, mode) : procSelfFd.chmod(inode.fd(), mode);
            if (ret < 0) {
                return ret;
            }
        }
        if ((valid & (FATTR_UID | FATTR_GID)) != 0) {
            if (inode.fileType == FileMode.S_IFREG) { // a renamed security.capability: see RenamedCapability
                ret = capability.dropThroughPath(inode.fd());
                if (ret < 0) {
                    return ret;
                }
            }
            ret = Syscalls.fchownat(inode.fd(), null, uid, gid, Fcntl.AT_EMPTY_PATH | Fcntl.AT_SYMLINK_NOFOLLOW);
            if (ret < 0) {
                return ret;
            }
        }
        if ((valid & FATTR_SIZE) != 0) {
            int fd = handle != null ? handle.fd : truncateFd;
            if (inode.fileType == FileMode.S_IFREG) { // as for chown
                ret = capability.dropFrom(fd);
                if (ret < 0) {
                    return ret;
                }
            }
            if (killprivV2 && (valid & IdentityFlags.FATTR_KILL_SUIDGID) != 0) {
                try (FsetidDropped dropped = FsetidDropped.enter()) {
                    ret = dropped.error() < 0 ? dropped.error() : Syscalls.ftruncate(fd, in.size);
                }
            } else {
                ret = Syscalls.ftruncate(fd, in.size);
            }
            if (ret < 0) {
                return ret;
            }
        }
        if ((valid & (FATTR_ATIME | FATTR_MTIME)) != 0) {
            long atimeSec = 0;
            long atimeNsec = Fcntl.UTIME_OMIT;
            long mtimeSec = 0;
            long mtimeNsec = Fcntl.UTIME_OMIT;
            if ((valid & FATTR_ATIME_NOW) != 0) {
                atimeNsec = Fcntl.UTIME_NOW;
            } else if ((valid & FATTR_ATIME) != 0) {
                atimeSec = in.atime;
                atimeNsec = Integer.toUnsignedLong(in.atimensec);
            }
            if ((valid & FATTR_MTIME_NOW) != 0) {
                mtimeNsec = Fcntl.UTIME_NOW;
            } else if ((valid & FATTR_MTIME) != 0) {
                mtimeSec = in.mtime;
                mtimeNsec = Integer.toUnsignedLong(in.mtimensec);
            }
            ret = handle != null
                    ? Syscalls.futimens(handle.fd, atimeSec, atimeNsec, mtimeSec, mtimeNsec)
                    : procSelfFd.utimens(inode.fd(), atimeSec, atimeNsec, mtimeSec, mtimeNsec);
            if (ret < 0) {
                return ret;
            }
        }
        return 0;
    }

    @Override
    public int readlink(RequestContext ctx, long nodeId, byte[] buf) {
        Inode inode = inodes.acquire(nodeId);
        if (inode == null) {
            return InodeStore.failure();
        }
        try {
            return Syscalls.readlinkat(inode.fd(), null, buf);
        } finally {
            inode.unpin();
        }
    }

    // ---- creating and removing names ----------------------------------------------------------

    @Override
    public int symlink(RequestContext ctx, long parent, byte[] name, byte[] target, Entry out) {
        int bad = checkName(name);
        if (bad < 0) {
            return bad;
        }
        if (target == null || Names.checkNoNul(target) < 0) {
            return -Errno.EINVAL;
        }
        Inode dir = inodes.acquire(parent);
        if (dir == null) {
            return InodeStore.failure();
        }
        try {
            int ret;
            try (Credentials creds = creator(ctx, -1)) {
                ret = creds.error() < 0 ? creds.error() : Syscalls.symlinkat(target, dir.fd(), name);
            }
            return ret < 0 ? ret : finishCreate(ctx, dir, name, false, out);
        } finally {
            dir.unpin();
        }
    }

    @Override
    public int mknod(RequestContext ctx, long parent, byte[] name, int mode, int rdev, int umask, Entry out) {
        int bad = checkName(name);
        if (bad < 0) {
            return bad;
        }
        Inode dir = inodes.acquire(parent);
        if (dir == null) {
            return InodeStore.failure();
        }
        try {
            int ret;
            try (Credentials creds = creator(ctx, umask)) {
                ret = creds.error() < 0 ? creds.error()
                        : Syscalls.mknodat(dir.fd(), name, mode & (FileMode.S_IFMT | 07777), Integer.toUnsignedLong(rdev));
            }
            return ret < 0 ? ret : finishCreate(ctx, dir, name, false, out);
        } finally {
            dir.unpin();
        }
    }

    @Override
    public int mkdir(RequestContext ctx, long parent, byte[] name, int mode, int umask, Entry out) {
        int bad = checkName(name);
        if (bad < 0) {
            return bad;
        }
        Inode dir = inodes.acquire(parent);
        if (dir == null) {
            return InodeStore.failure();
        }
        try {
            int ret;
            try (Credentials creds = creator(ctx, umask)) {
                ret = creds.error() < 0 ? creds.error() : Syscalls.mkdirat(dir.fd(), name, mode & 07777);
            }
            return ret < 0 ? ret : finishCreate(ctx, dir, name, true, out);
        } finally {
            dir.unpin();
        }
    }

    /**
     * The identity a create-type call runs with: the guest's (see {@link Credentials}), with the
     * request's {@code umask} where the guest left it to us (DONT_MASK; -1: none to apply).
     */
    private Credentials creator(RequestContext ctx, int umask) {
        return Credentials.assume(ctx, ids, applyRequestUmask ? umask : -1, !supplementaryGroupsKnown);
    }

    /** After MKNOD, MKDIR or SYMLINK made {@code name}: its security context if one came, then its entry. */
    private int finishCreate(RequestContext ctx, Inode dir, byte[] name, boolean directory, Entry out) {
        if (!labelNewNodes || !ctx.hasSecurityContext()) {
            return lookupChild(dir, name, out);
        }
        int fd = openChild(dir.fd(), name, PATH_FLAGS, 0);
        if (fd < 0) {
            return fd;
        }
        int ret = labels.labelPath(fd, dir.fd(), name, directory, ctx);
        if (ret < 0) {
            Syscalls.close(fd);
            return ret;
        }
        return enter(fd, dir, out);
    }

    @Override
    public int unlink(RequestContext ctx, long parent, byte[] name) {
        return removeName(parent, name, 0);
    }

    @Override
    public int rmdir(RequestContext ctx, long parent, byte[] name) {
        return removeName(parent, name, Fcntl.AT_REMOVEDIR);
    }

    private int removeName(long parent, byte[] name, int flags) {
        int bad = checkName(name);
        if (bad < 0) {
            return bad;
        }
        Inode dir = inodes.acquire(parent);
        if (dir == null) {
            return InodeStore.failure();
        }
        try {
            return Syscalls.unlinkat(dir.fd(), name, flags);
        } finally {
            dir.unpin();
        }
    }

    @Override
    public int rename(RequestContext ctx, long oldParent, byte[] oldName, long newParent, byte[] newName, int flags) {
        int bad = checkName(oldName);
        if (bad == 0) {
            bad = checkName(newName);
        }
        if (bad < 0) {
            return bad;
        }
        Inode from = inodes.acquire(oldParent);
        if (from == null) {
            return InodeStore.failure();
        }
        try {
            Inode to = inodes.acquire(newParent);
            if (to == null) {
                return InodeStore.failure();
            }
            try {
                int known = flags & (Fcntl.RENAME_NOREPLACE | Fcntl.RENAME_EXCHANGE | Fcntl.RENAME_WHITEOUT);
                return Syscalls.renameat2(from.fd(), oldName, to.fd(), newName, known);
            } finally {
                to.unpin();
            }
        } finally {
            from.unpin();
        }
    }

    @Override
    public int link(RequestContext ctx, long nodeId, long newParent, byte[] newName, Entry out) {
        int bad = checkName(newName);
        if (bad < 0) {
            return bad;
        }
        Inode inode = inodes.acquire(nodeId);
        if (inode == null) {
            return InodeStore.failure();
        }
        try {
            Inode dir = inodes.acquire(newParent);
            if (dir == null) {
                return InodeStore.failure();
            }
            try {
                int ret = procSelfFd.link(inode.fd(), dir.fd(), newName);
                return ret < 0 ? ret : lookupChild(dir, newName, out);
            } finally {
                dir.unpin();
            }
        } finally {
            inode.unpin();
        }
    }

    // ---- open files ---------------------------------------------------------------------------

    @Override
    public int open(RequestContext ctx, long nodeId, int flags, OpenResult out) {
        int ret;
        if (killprivV2 && ctx.killSuidgid && (flags & Fcntl.O_TRUNC) != 0) {
            // The truncating open clears suid/sgid as for the guest's unprivileged caller.
            try (FsetidDropped dropped = FsetidDropped.enter()) {
                ret = dropped.error() < 0 ? dropped.error() : openHandle(nodeId, hostOpenFlags(flags), out);
            }
        } else {
            ret = openHandle(nodeId, hostOpenFlags(flags), out);
        }
        if (ret == 0) {
            out.openFlags = config.cachePolicy().fileOpenFlags;
        }
        return ret;
    }

    /** Like OPEN, for a directory: O_DIRECTORY is checked here, as a reopen through a magic link ignores it. */
    @Override
    public int opendir(RequestContext ctx, long nodeId, int flags, OpenResult out) {
        int ret = openHandle(nodeId, hostOpenFlags(flags) | Fcntl.O_DIRECTORY, out);
        if (ret == 0) {
            out.openFlags = config.cachePolicy().dirOpenFlags;
        }
        return ret;
    }

    private int hostOpenFlags(int guestFlags) {
        return OpenFlags.toHost(guestFlags, writeback, config.preserveNoatime(), config.allowDirectIo());
    }

    /** Reopens the inode's O_PATH fd through its magic link with {@code hostFlags} and makes a handle. */
    private int openHandle(long nodeId, int hostFlags, OpenResult out) {
        Inode inode = inodes.acquire(nodeId);
        if (inode == null) {
            return InodeStore.failure();
        }
        try {
            if (!isOpenable(inode)) {
                // open(2) with O_NOFOLLOW answers ELOOP for a symlink; other special files are
                // never opened here (a FIFO would block), as the Rust virtiofsd: EBADF.
                return inode.fileType == FileMode.S_IFLNK ? -Errno.ELOOP : -Errno.EBADF;
            }
            if ((hostFlags & Fcntl.O_DIRECTORY) != 0 && inode.fileType != FileMode.S_IFDIR) {
                return -Errno.ENOTDIR;
            }
            int fd = procSelfFd.reopen(inode.fd(), hostFlags);
            if (fd < 0) {
                return fd;
            }
            if ((hostFlags & Fcntl.O_TRUNC) != 0 && inode.fileType == FileMode.S_IFREG) { // see RenamedCapability
                int ret = capability.dropFrom(fd);
                if (ret < 0) {
                    Syscalls.close(fd);
                    return ret;
                }
            }
            out.fh = handles.add(nodeId, fd);
            out.openFlags = 0;
            return 0;
        } finally {
            inode.unpin();
        }
    }

    @Override
    public int create(RequestContext ctx, long parent, byte[] name, int mode, int flags, int umask,
                      Entry entry, OpenResult open) {
        int bad = checkName(name);
        if (bad < 0) {
            return bad;
        }
        Inode dir = inodes.acquire(parent);
        if (dir == null) {
            return InodeStore.failure();
        }
        try {
            int hostFlags = hostOpenFlags(flags) | Fcntl.O_CREAT | Fcntl.O_EXCL;
            int fd;
            try (Credentials creds = creator(ctx, umask)) {
                fd = creds.error() < 0 ? creds.error() : openChild(dir.fd(), name, hostFlags, mode & 07777);
            }
            if (fd == -Errno.EEXIST && (flags & Fcntl.O_EXCL) == 0) {
                return openExisting(ctx, dir, name, flags, entry, open);
            }
            if (fd < 0) {
                return fd;
            }
            if (labelNewNodes && ctx.hasSecurityContext()) {
                int ret = labels.labelOpened(fd, dir.fd(), name, ctx);
                if (ret < 0) {
                    Syscalls.close(fd);
                    return ret;
                }
            }
            // The node comes from the new fd itself, not from the name, which may have changed since.
            int pathFd = procSelfFd.reopen(fd, Fcntl.O_PATH);
            if (pathFd < 0) {
                Syscalls.close(fd);
                return pathFd;
            }
            int ret = enter(pathFd, dir, entry);
            if (ret < 0) {
                Syscalls.close(fd);
                return ret;
            }
            open.fh = handles.add(entry.nodeId, fd);
            open.openFlags = config.cachePolicy().fileOpenFlags;
            return 0;
        } finally {
            dir.unpin();
        }
    }

    /** CREATE of a name that exists, without the guest asking O_EXCL: LOOKUP and OPEN it. */
    private int openExisting(RequestContext ctx, Inode dir, byte[] name, int flags, Entry entry, OpenResult open) {
        int ret = lookupChild(dir, name, entry);
        if (ret < 0) {
            return ret;
        }
        ret = open(ctx, entry.nodeId, flags, open);
        if (ret < 0) {
            inodes.forget(entry.nodeId, 1);
        }
        return ret;
    }

    @Override
    public long read(RequestContext ctx, long nodeId, long fh, long offset, int size, long iovAddress, int iovCount) {
        Handle handle = handles.acquire(fh, nodeId);
        if (handle == null) {
            return -Errno.EBADF;
        }
        try {
            return VectoredIo.read(handle.fd, iovAddress, iovCount, Integer.toUnsignedLong(size), offset);
        } finally {
            handle.unpin();
        }
    }

    @Override
    public long write(RequestContext ctx, long nodeId, long fh, long offset, int size, int writeFlags, int fileFlags,
                      long iovAddress, int iovCount) {
        Handle handle = handles.acquire(fh, nodeId);
        if (handle == null) {
            return -Errno.EBADF;
        }
        try {
            // O_APPEND was taken off the host fd; appends are made atomic per write instead,
            // except when the guest's page cache decides the offsets (writeback, cached writes).
            boolean append = (fileFlags & Fcntl.O_APPEND) != 0 && !writeback
                    && (writeFlags & FuseFlags.FUSE_WRITE_CACHE) == 0;
            int capabilities = capability.dropFrom(handle.fd); // a renamed security.capability: see RenamedCapability
            if (capabilities < 0) {
                return capabilities;
            }
            if (killprivV2 && (writeFlags & IdentityFlags.FUSE_WRITE_KILL_SUIDGID) != 0 && hasSetIdBits(handle.fd)) {
                // Written as by the guest's unprivileged writer: the host kernel clears suid/sgid.
                try (FsetidDropped dropped = FsetidDropped.enter()) {
                    return dropped.error() < 0 ? dropped.error() : VectoredIo.write(handle.fd, iovAddress, iovCount,
                            Integer.toUnsignedLong(size), offset, append ? Fcntl.RWF_APPEND : 0);
                }
            }
            return VectoredIo.write(handle.fd, iovAddress, iovCount, Integer.toUnsignedLong(size), offset,
                    append ? Fcntl.RWF_APPEND : 0);
        } finally {
            handle.unpin();
        }
    }

    /** Whether the file has suid or sgid set (only then is dropping CAP_FSETID worth its two syscalls). */
    private static boolean hasSetIdBits(int fd) {
        Stat st = STAT.get();
        return Syscalls.fstat(fd, st) < 0 || (st.mode & (FileMode.S_ISUID | FileMode.S_ISGID)) != 0;
    }

    /** FLUSH emulates the guest's close(): closing a duplicate makes the host filesystem flush too. */
    @Override
    public int flush(RequestContext ctx, long nodeId, long fh, long lockOwner) {
        Handle handle = handles.acquire(fh, nodeId);
        if (handle == null) {
            return -Errno.EBADF;
        }
        try {
            int dup = Syscalls.dup(handle.fd);
            return dup < 0 ? dup : Syscalls.close(dup);
        } finally {
            handle.unpin();
            locks.flushed(nodeId, lockOwner); // close() drops the owner's POSIX locks on the file
        }
    }

    @Override
    public int release(RequestContext ctx, long nodeId, long fh, int flags) {
        locks.released(nodeId, fh);
        return handles.remove(fh, nodeId) ? 0 : -Errno.EBADF;
    }

    // ---- locks (LockTable) --------------------------------------------------------------------

    @Override
    public int getlk(RequestContext ctx, long nodeId, long fh, long owner, LockSpec lock) {
        return locks.getlk(nodeId, fh, owner, lock);
    }

    @Override
    public int setlk(RequestContext ctx, long nodeId, long fh, long owner, LockSpec lock, boolean flock,
                     LockWait wait) {
        return locks.setlk(nodeId, fh, owner, lock, flock, wait);
    }

    @Override
    public int fsync(RequestContext ctx, long nodeId, long fh, boolean dataOnly) {
        Handle handle = handles.acquire(fh, nodeId);
        if (handle == null) {
            return -Errno.EBADF;
        }
        try {
            return dataOnly ? Syscalls.fdatasync(handle.fd) : Syscalls.fsync(handle.fd);
        } finally {
            handle.unpin();
        }
    }

    @Override
    public int fallocate(RequestContext ctx, long nodeId, long fh, int mode, long offset, long length) {
        Handle handle = handles.acquire(fh, nodeId);
        if (handle == null) {
            return -Errno.EBADF;
        }
        try {
            return Syscalls.fallocate(handle.fd, mode, offset, length);
        } finally {
            handle.unpin();
        }
    }

    @Override
    public long lseek(RequestContext ctx, long nodeId, long fh, long offset, int whence) {
        Handle handle = handles.acquire(fh, nodeId);
        if (handle == null) {
            return -Errno.EBADF;
        }
        try {
            synchronized (handle) {
                return Syscalls.lseek(handle.fd, offset, whence);
            }
        } finally {
            handle.unpin();
        }
    }

    // ---- directories --------------------------------------------------------------------------

    /**
     * Seeks the directory fd to {@code offset} (a d_off given out earlier, or 0) and passes on
     * entries until the sink is full or the directory ends. An error after some entries were
     * taken ends the listing early instead of failing it. The sink may call back into this
     * filesystem (READDIRPLUS looks each entry up): the entries are staged in buffers no other
     * operation uses.
     */
    @Override
    public int readdir(RequestContext ctx, long nodeId, long fh, long offset, DirSink sink) {
        Handle handle = handles.acquire(fh, nodeId);
        if (handle == null) {
            return -Errno.EBADF;
        }
        try {
            synchronized (handle) {
                long pos = Syscalls.lseek(handle.fd, offset, Fcntl.SEEK_SET);
                if (pos < 0) {
                    return (int) pos;
                }
                int[] taken = {0};
                Dirents.Visitor visitor = (ino, nextOffset, type, name, nameLength) -> {
                    if (!sink.add(ino, nextOffset, type, name, nameLength)) {
                        return false;
                    }
                    taken[0]++;
                    return true;
                };
                while (true) {
                    int state = Dirents.readBatch(handle.fd, visitor);
                    if (state == Dirents.MORE) {
                        continue;
                    }
                    return state < 0 && taken[0] == 0 ? state : 0;
                }
            }
        } finally {
            handle.unpin();
        }
    }

    @Override
    public int releasedir(RequestContext ctx, long nodeId, long fh) {
        return handles.remove(fh, nodeId) ? 0 : -Errno.EBADF;
    }

    @Override
    public int fsyncdir(RequestContext ctx, long nodeId, long fh, boolean dataOnly) {
        return fsync(ctx, nodeId, fh, dataOnly);
    }

    // ---- whole filesystem ---------------------------------------------------------------------

    @Override
    public int statfs(RequestContext ctx, long nodeId, StatFs out) {
        Inode inode = inodes.acquire(nodeId);
        if (inode == null) {
            return InodeStore.failure();
        }
        try {
            StatVfs vfs = STATVFS.get();
            int ret = Syscalls.fstatvfs(inode.fd(), vfs);
            if (ret < 0) {
                return ret;
            }
            out.blocks = vfs.blocks;
            out.bfree = vfs.bfree;
            out.bavail = vfs.bavail;
            out.files = vfs.files;
            out.ffree = vfs.ffree;
            out.bsize = (int) vfs.bsize;
            out.namelen = (int) vfs.namemax;
            out.frsize = (int) vfs.frsize;
            return 0;
        } finally {
            inode.unpin();
        }
    }

    @Override
    public int access(RequestContext ctx, long nodeId, int mask) {
        Inode inode = inodes.acquire(nodeId);
        if (inode == null) {
            return InodeStore.failure();
        }
        try {
            Stat st = STAT.get();
            int ret = Syscalls.fstat(inode.fd(), st);
            if (ret < 0) {
                return ret;
            }
            // As the Rust virtiofsd: the owner as the guest sees it against the guest's ids.
            return AccessCheck.allows(mask, st.mode, ids.guestUid(st.uid), ids.guestGid(st.gid), ctx.uid, ctx.gid)
                    ? 0 : -Errno.EACCES;
        } finally {
            inode.unpin();
        }
    }

    @Override
    public int syncfs(RequestContext ctx, long nodeId) {
        Inode inode = inodes.acquire(nodeId);
        if (inode == null) {
            return InodeStore.failure();
        }
        try {
            if (!isOpenable(inode)) {
                return -Errno.EBADF;
            }
            int fd = procSelfFd.reopen(inode.fd(), Fcntl.O_RDONLY);
            if (fd < 0) {
                return fd;
            }
            try {
                return Syscalls.syncfs(fd);
            } finally {
                Syscalls.close(fd);
            }
        } finally {
            inode.unpin();
        }
    }

    // ---- extended attributes ------------------------------------------------------------------

    @Override
    public int setxattr(RequestContext ctx, long nodeId, byte[] name, byte[] value, int flags) {
        if (!config.xattr()) {
            return -Errno.ENOSYS;
        }
        Inode inode = inodes.acquire(nodeId);
        if (inode == null) {
            return InodeStore.failure();
        }
        try {
            return xattrs.set(inode, name, value, flags, ctx.killSuidgid);
        } finally {
            inode.unpin();
        }
    }

    @Override
    public int getxattr(RequestContext ctx, long nodeId, byte[] name, byte[] buf) {
        if (!config.xattr()) {
            return -Errno.ENOSYS;
        }
        Inode inode = inodes.acquire(nodeId);
        if (inode == null) {
            return InodeStore.failure();
        }
        try {
            return xattrs.get(inode, name, buf);
        } finally {
            inode.unpin();
        }
    }

    @Override
    public int listxattr(RequestContext ctx, long nodeId, byte[] buf) {
        if (!config.xattr()) {
            return -Errno.ENOSYS;
        }
        Inode inode = inodes.acquire(nodeId);
        if (inode == null) {
            return InodeStore.failure();
        }
        try {
            return xattrs.list(inode, buf);
        } finally {
            inode.unpin();
        }
    }

    @Override
    public int removexattr(RequestContext ctx, long nodeId, byte[] name) {
        if (!config.xattr()) {
            return -Errno.ENOSYS;
        }
        Inode inode = inodes.acquire(nodeId);
        if (inode == null) {
            return InodeStore.failure();
        }
        try {
            return xattrs.remove(inode, name);
        } finally {
            inode.unpin();
        }
    }

    // ---- TMPFILE, STATX, COPY_FILE_RANGE, IOCTL -------------------------------------------------

    private static final byte[] DOT = {'.'};
    private static final int STATX_SYNC_TYPE = 0x6000;

    /**
     * An O_TMPFILE file in the parent directory. O_EXCL is passed on as the guest asked: without
     * it the inode stays linkable, and LINK (through /proc/self/fd, AT_SYMLINK_FOLLOW) names it.
     */
    @Override
    public int tmpfile(RequestContext ctx, long parent, int mode, int flags, int umask, Entry entry,
                       OpenResult open) {
        Inode dir = inodes.acquire(parent);
        if (dir == null) {
            return InodeStore.failure();
        }
        try {
            int hostFlags = (hostOpenFlags(flags) & ~Fcntl.O_DIRECTORY) | Fcntl.O_TMPFILE | (flags & Fcntl.O_EXCL);
            int fd;
            try (Credentials creds = creator(ctx, umask)) {
                fd = creds.error() < 0 ? creds.error() : Syscalls.openat(dir.fd(), DOT, hostFlags, mode & 07777);
            }
            if (fd < 0) {
                return fd;
            }
            if (labelNewNodes && ctx.hasSecurityContext()) {
                int ret = labels.labelUnnamed(fd, ctx);
                if (ret < 0) {
                    Syscalls.close(fd); // nameless: closing it removes it
                    return ret;
                }
            }
            return enterOpened(fd, dir, entry, open);
        } finally {
            dir.unpin();
        }
    }

    /** Makes a node (one lookup) and a handle of a file just created and opened as {@code fd} (taken over). */
    private int enterOpened(int fd, Inode dir, Entry entry, OpenResult open) {
        int pathFd = procSelfFd.reopen(fd, Fcntl.O_PATH);
        if (pathFd < 0) {
            Syscalls.close(fd);
            return pathFd;
        }
        int ret = enter(pathFd, dir, entry);
        if (ret < 0) {
            Syscalls.close(fd);
            return ret;
        }
        open.fh = handles.add(entry.nodeId, fd);
        open.openFlags = config.cachePolicy().fileOpenFlags;
        return 0;
    }

    /** statx(2) of the node with the basic fields and birth time; the guest gets what the host gave. */
    @Override
    public int statx(RequestContext ctx, long nodeId, int sxFlags, int sxMask, StatxAttr out) {
        Inode inode = inodes.acquire(nodeId);
        if (inode == null) {
            return InodeStore.failure();
        }
        try {
            Stat st = STAT.get();
            int ret = Syscalls.statx(inode.fd(), null, Fcntl.AT_EMPTY_PATH | Fcntl.AT_SYMLINK_NOFOLLOW
                    | (sxFlags & STATX_SYNC_TYPE), Syscalls.STATX_BASIC_STATS | Syscalls.STATX_BTIME, st);
            if (ret < 0) {
                return ret;
            }
            fillStatx(out, st, config.cachePolicy().timeoutSeconds);
            return 0;
        } finally {
            inode.unpin();
        }
    }

    private void fillStatx(StatxAttr out, Stat st, long attrValidSeconds) {
        out.mask = st.mask & (Syscalls.STATX_BASIC_STATS | Syscalls.STATX_BTIME);
        out.blksize = st.blksize;
        out.attributes = st.attributes;
        out.attributesMask = st.attributesMask;
        out.nlink = st.nlink;
        out.uid = ids.guestUid(st.uid);
        out.gid = ids.guestGid(st.gid);
        out.mode = st.mode;
        out.ino = st.ino;
        out.size = st.size;
        out.blocks = st.blocks;
        out.atimeSec = st.atimeSec;
        out.atimeNsec = st.atimeNsec;
        boolean btime = (st.mask & Syscalls.STATX_BTIME) != 0;
        out.btimeSec = btime ? st.btimeSec : 0;
        out.btimeNsec = btime ? st.btimeNsec : 0;
        out.ctimeSec = st.ctimeSec;
        out.ctimeNsec = st.ctimeNsec;
        out.mtimeSec = st.mtimeSec;
        out.mtimeNsec = st.mtimeNsec;
        out.rdevMajor = st.rdevMajor;
        out.rdevMinor = st.rdevMinor;
        out.devMajor = st.devMajor;
        out.devMinor = st.devMinor;
        out.attrValidSeconds = attrValidSeconds;
    }

    @Override
    public long copyFileRange(RequestContext ctx, long nodeIn, long fhIn, long offIn, long nodeOut, long fhOut,
                              long offOut, long length, int flags) {
        Handle in = handles.acquire(fhIn, nodeIn);
        if (in == null) {
            return -Errno.EBADF;
        }
        try {
            Handle out = handles.acquire(fhOut, nodeOut);
            if (out == null) {
                return -Errno.EBADF;
            }
            try {
                return FileControl.copyFileRange(in.fd, offIn, out.fd, offOut, length, flags);
            } finally {
                out.unpin();
            }
        } finally {
            in.unpin();
        }
    }

    @Override
    public int ioctl(RequestContext ctx, long nodeId, long fh, int flags, int cmd, byte[] in, int inSize,
                     byte[] out) {
        if (!FileIoctls.isPassed(cmd)) {
            return -Errno.ENOTTY;
        }
        Handle handle = handles.acquire(fh, nodeId);
        if (handle == null) {
            return -Errno.EBADF;
        }
        try {
            return FileIoctls.serve(handle.fd, cmd, in, inSize, out);
        } finally {
            handle.unpin();
        }
    }

    // ---- for tests ----------------------------------------------------------------------------

    /** The guest's lookup count of {@code nodeId}, or 0 if the node is unknown. */
    long lookupCount(long nodeId) {
        Inode inode = inodes.acquire(nodeId);
        if (inode == null) {
            return 0;
        }
        try {
            return inode.lookupCount();
        } finally {
            inode.unpin();
        }
    }

    int inodeCount() {
        return inodes.size();
    }

    /** Whether node {@code nodeId} is held by a file handle (false: by an fd, or unknown). */
    boolean heldByHandle(long nodeId) {
        Inode inode = inodes.acquire(nodeId);
        if (inode == null) {
            return false;
        }
        try {
            return inode.handle != null;
        } finally {
            inode.unpin();
        }
    }

    /** How many mount fds file handles are opened against. */
    int mountFdCount() {
        return fileHandles == null ? 0 : fileHandles.mountFdCount();
    }

    int handleCount() {
        return handles.size();
    }
}
