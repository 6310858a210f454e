package dev.jvirtiofsd.daemon.fs;

import dev.jvirtiofsd.daemon.sys.Errno;
import dev.jvirtiofsd.daemon.sys.Fcntl;
import dev.jvirtiofsd.daemon.sys.FileControl;

/**
 * {@code --readonly}: a {@link FileSystem} that forwards what only reads and refuses, with
 * EROFS, every request that would change the shared directory. Each operation is listed here
 * on purpose, one way or the other, so that a new method of the interface answers ENOSYS
 * (the interface's default) until someone decides which list it belongs to.
 *
 * <p>Opens follow the Rust virtiofsd's read-only mode: write access or O_EXCL is EROFS; O_TMPFILE and O_TRUNC are EINVAL; O_CREAT is dropped and a missing file becomes
 * EROFS. CREATE is a lookup plus such an open. The host directory itself is not remounted, so
 * reads still update access times.
 */
public final class ReadOnlyFileSystem implements FileSystem {
    private final FileSystem delegate;

    public ReadOnlyFileSystem(FileSystem delegate) {
        this.delegate = delegate;
    }

    // ---- forwarded: they only read, or manage the session's own state ----

    @Override
    public int init(long negotiatedFlags) {
        return delegate.init(negotiatedFlags);
    }

    @Override
    public void destroy() {
        delegate.destroy();
    }

    @Override
    public int lookup(RequestContext ctx, long parent, byte[] name, Entry out) {
        return delegate.lookup(ctx, parent, name, out);
    }

    @Override
    public void forget(long nodeId, long nlookup) {
        delegate.forget(nodeId, nlookup);
    }

    @Override
    public int getattr(RequestContext ctx, long nodeId, long fh, Attr out) {
        return delegate.getattr(ctx, nodeId, fh, out);
    }

    @Override
    public int readlink(RequestContext ctx, long nodeId, byte[] buf) {
        return delegate.readlink(ctx, nodeId, buf);
    }

    @Override
    public long read(RequestContext ctx, long nodeId, long fh, long offset, int size, long iovAddress, int iovCount) {
        return delegate.read(ctx, nodeId, fh, offset, size, iovAddress, iovCount);
    }

    @Override
    public int flush(RequestContext ctx, long nodeId, long fh, long lockOwner) {
        return delegate.flush(ctx, nodeId, fh, lockOwner);
    }

    @Override
    public int release(RequestContext ctx, long nodeId, long fh, int flags) {
        return delegate.release(ctx, nodeId, fh, flags);
    }

    @Override
    public int fsync(RequestContext ctx, long nodeId, long fh, boolean dataOnly) {
        return delegate.fsync(ctx, nodeId, fh, dataOnly);
    }

    @Override
    public int readdir(RequestContext ctx, long nodeId, long fh, long offset, DirSink sink) {
        return delegate.readdir(ctx, nodeId, fh, offset, sink);
    }

    @Override
    public int releasedir(RequestContext ctx, long nodeId, long fh) {
        return delegate.releasedir(ctx, nodeId, fh);
    }

    @Override
    public int fsyncdir(RequestContext ctx, long nodeId, long fh, boolean dataOnly) {
        return delegate.fsyncdir(ctx, nodeId, fh, dataOnly);
    }

    @Override
    public int statfs(RequestContext ctx, long nodeId, StatFs out) {
        return delegate.statfs(ctx, nodeId, out);
    }

    @Override
    public long lseek(RequestContext ctx, long nodeId, long fh, long offset, int whence) {
        return delegate.lseek(ctx, nodeId, fh, offset, whence);
    }

    @Override
    public int syncfs(RequestContext ctx, long nodeId) {
        return delegate.syncfs(ctx, nodeId);
    }

    @Override
    public int getxattr(RequestContext ctx, long nodeId, byte[] name, byte[] buf) {
        return delegate.getxattr(ctx, nodeId, name, buf);
    }

    @Override
    public int listxattr(RequestContext ctx, long nodeId, byte[] buf) {
        return delegate.listxattr(ctx, nodeId, buf);
    }

    @Override
    public int statx(RequestContext ctx, long nodeId, int sxFlags, int sxMask, StatxAttr out) {
        return delegate.statx(ctx, nodeId, sxFlags, sxMask, out);
    }

    /** Locks change no file content; a read-only open may hold a read lock. */
    @Override
    public int getlk(RequestContext ctx, long nodeId, long fh, long owner, LockSpec lock) {
        return delegate.getlk(ctx, nodeId, fh, owner, lock);
    }

    @Override
    public int setlk(RequestContext ctx, long nodeId, long fh, long owner, LockSpec lock, boolean flock,
                     LockWait wait) {
        return delegate.setlk(ctx, nodeId, fh, owner, lock, flock, wait);
    }

    // ---- forwarded after a check ----

    @Override
    public int access(RequestContext ctx, long nodeId, int mask) {
        if ((mask & Fcntl.W_OK) != 0) {
            return -Errno.EROFS;
        }
        return delegate.access(ctx, nodeId, mask);
    }

    @Override
    public int open(RequestContext ctx, long nodeId, int flags, OpenResult out) {
        int checked = readOnlyOpenFlags(flags);
        if (checked < 0) {
            return checked;
        }
        return noCreation(delegate.open(ctx, nodeId, checked, out));
    }

    @Override
    public int opendir(RequestContext ctx, long nodeId, int flags, OpenResult out) {
        int checked = readOnlyOpenFlags(flags);
        if (checked < 0) {
            return checked;
        }
        return noCreation(delegate.opendir(ctx, nodeId, checked, out));
    }

    /** An existing file is opened read-only; a missing one would have to be created: EROFS. */
    @Override
    public int create(RequestContext ctx, long parent, byte[] name, int mode, int flags, int umask,
                      Entry entry, OpenResult open) {
        int checked = readOnlyOpenFlags(flags);
        if (checked < 0) {
            return checked;
        }
        int ret = delegate.lookup(ctx, parent, name, entry);
        if (ret < 0) {
            return noCreation(ret);
        }
        if (entry.nodeId == 0) {
            return -Errno.EROFS; // a negative entry: the file does not exist
        }
        ret = delegate.open(ctx, entry.nodeId, checked, open);
        if (ret < 0) {
            delegate.forget(entry.nodeId, 1); // the lookup's count; the guest never sees this node
            return noCreation(ret);
        }
        return ret;
    }

    /** The file-attribute ioctls that only read pass; those that set are refused; the rest are unknown. */
    @Override
    public int ioctl(RequestContext ctx, long nodeId, long fh, int flags, int cmd, byte[] in, int inSize,
                     byte[] out) {
        switch (cmd) {
            case FileControl.FS_IOC_GETFLAGS:
            case FileControl.FS_IOC32_GETFLAGS:
            case FileControl.FS_IOC_FSGETXATTR:
                return delegate.ioctl(ctx, nodeId, fh, flags, cmd, in, inSize, out);
            case FileControl.FS_IOC_SETFLAGS:
            case FileControl.FS_IOC32_SETFLAGS:
            case FileControl.FS_IOC_FSSETXATTR:
                return -Errno.EROFS;
            default:
                return -Errno.ENOTTY;
        }
    }

    // ---- refused: each would change the shared directory ----

    @Override
    public int setattr(RequestContext ctx, long nodeId, SetAttrRequest in, Attr out) {
        return -Errno.EROFS;
    }

    @Override
    public int symlink(RequestContext ctx, long parent, byte[] name, byte[] target, Entry out) {
        return -Errno.EROFS;
    }

    @Override
    public int mknod(RequestContext ctx, long parent, byte[] name, int mode, int rdev, int umask, Entry out) {
        return -Errno.EROFS;
    }

    @Override
    public int mkdir(RequestContext ctx, long parent, byte[] name, int mode, int umask, Entry out) {
        return -Errno.EROFS;
    }

    @Override
    public int unlink(RequestContext ctx, long parent, byte[] name) {
        return -Errno.EROFS;
    }

    @Override
    public int rmdir(RequestContext ctx, long parent, byte[] name) {
        return -Errno.EROFS;
    }

    @Override
    public int rename(RequestContext ctx, long oldParent, byte[] oldName, long newParent, byte[] newName, int flags) {
        return -Errno.EROFS;
    }

    @Override
    public int link(RequestContext ctx, long nodeId, long newParent, byte[] newName, Entry out) {
        return -Errno.EROFS;
    }

    @Override
    public long write(RequestContext ctx, long nodeId, long fh, long offset, int size, int writeFlags, int fileFlags,
                      long iovAddress, int iovCount) {
        return -Errno.EROFS;
    }

    @Override
    public int fallocate(RequestContext ctx, long nodeId, long fh, int mode, long offset, long length) {
        return -Errno.EROFS;
    }

    @Override
    public int setxattr(RequestContext ctx, long nodeId, byte[] name, byte[] value, int flags) {
        return -Errno.EROFS;
    }

    @Override
    public int removexattr(RequestContext ctx, long nodeId, byte[] name) {
        return -Errno.EROFS;
    }

    @Override
    public int tmpfile(RequestContext ctx, long parent, int mode, int flags, int umask, Entry entry,
                       OpenResult open) {
        return -Errno.EROFS;
    }

    @Override
    public long copyFileRange(RequestContext ctx, long nodeIn, long fhIn, long offIn, long nodeOut, long fhOut,
                              long offOut, long length, int flags) {
        return -Errno.EROFS;
    }

    /**
     * The open flags to pass on, or a negative errno: write access and O_EXCL are EROFS;
     * O_TMPFILE and O_TRUNC are EINVAL; O_CREAT is dropped. O_PATH gets no exception (the Rust
     * virtiofsd passes it): a guest kernel never sends it, and the passthrough open does not
     * honour it, so an O_PATH|O_WRONLY open would become a writable one.
     */
    static int readOnlyOpenFlags(int flags) {
        if ((flags & Fcntl.O_TMPFILE) == Fcntl.O_TMPFILE) {
            return -Errno.EINVAL;
        }
        if ((flags & Fcntl.O_ACCMODE) != Fcntl.O_RDONLY || (flags & Fcntl.O_EXCL) != 0) {
            return -Errno.EROFS;
        }
        if ((flags & Fcntl.O_TRUNC) != 0) {
            return -Errno.EINVAL;
        }
        return flags & ~Fcntl.O_CREAT;
    }

    /** A file that is not there could only be made by writing: ENOENT turns into EROFS. */
    private static int noCreation(int ret) {
        return ret == -Errno.ENOENT ? -Errno.EROFS : ret;
    }
}
