package dev.jvirtiofsd.daemon.fs;

/**
 * The seam between the FUSE server (which decodes requests and encodes replies) and a file
 * system implementation (which runs them on the host). Node ids and handle ids are the
 * implementation's own; node id 1 is the root.
 *
 * <p>Every method returns 0 (or a non-negative result where stated) on success and a negative
 * errno on failure, the errno of the host syscall that failed. Defaults answer -ENOSYS.
 *
 * <p>Names are the guest's bytes exactly, without the terminating NUL. They are untrusted: an
 * implementation rejects a name that is empty, longer than 255 bytes, contains '/' or NUL, or
 * is "." or ".." (EINVAL, or ENOENT / EPERM where the kernel would say so), except that LOOKUP of
 * "." and ".." is served without ever leaving the shared directory.
 *
 * <p>Lookup counts: every successful LOOKUP, MKNOD, MKDIR, SYMLINK, LINK and CREATE increments
 * the returned inode's lookup count by one; FORGET decrements it; an inode whose count reaches
 * zero is released. The root starts with a count of 2 (as libfuse does).
 *
 * <p>Implementations are called concurrently from several threads.
 */
public interface FileSystem {
    int ENOSYS = 38;

    /**
     * A new session: drops every inode and handle of a previous one (an implicit DESTROY) and
     * makes the root available. {@code negotiatedFlags} are the FUSE INIT flags both sides agreed
     * on (they decide e.g. writeback-cache open-flag rewriting).
     */
    default int init(long negotiatedFlags) {
        return -ENOSYS;
    }

    /** End of session: drop every inode and handle. */
    default void destroy() {
    }

    /** {@code name} is the server's reused array: valid during the call only, never to be kept. */
    default int lookup(RequestContext ctx, long parent, byte[] name, Entry out) {
        return -ENOSYS;
    }

    /** Decrements the lookup count by {@code nlookup}; unknown node ids are ignored. No reply. */
    default void forget(long nodeId, long nlookup) {
    }

    /** @param fh the open handle to stat through, or -1 */
    default int getattr(RequestContext ctx, long nodeId, long fh, Attr out) {
        return -ENOSYS;
    }

    /** Changes what {@code in.valid} names (FATTR_*); fills the new attributes into {@code out}. */
    default int setattr(RequestContext ctx, long nodeId, SetAttrRequest in, Attr out) {
        return -ENOSYS;
    }

    /** Reads a symlink's target into {@code buf}; returns its length. */
    default int readlink(RequestContext ctx, long nodeId, byte[] buf) {
        return -ENOSYS;
    }

    default int symlink(RequestContext ctx, long parent, byte[] name, byte[] target, Entry out) {
        return -ENOSYS;
    }

    default int mknod(RequestContext ctx, long parent, byte[] name, int mode, int rdev, int umask, Entry out) {
        return -ENOSYS;
    }

    default int mkdir(RequestContext ctx, long parent, byte[] name, int mode, int umask, Entry out) {
        return -ENOSYS;
    }

    default int unlink(RequestContext ctx, long parent, byte[] name) {
        return -ENOSYS;
    }

    default int rmdir(RequestContext ctx, long parent, byte[] name) {
        return -ENOSYS;
    }

    /** @param flags RENAME_NOREPLACE, RENAME_EXCHANGE (0 for plain RENAME) */
    default int rename(RequestContext ctx, long oldParent, byte[] oldName, long newParent, byte[] newName, int flags) {
        return -ENOSYS;
    }

    default int link(RequestContext ctx, long nodeId, long newParent, byte[] newName, Entry out) {
        return -ENOSYS;
    }

    /** @param flags the guest's open(2) flags */
    default int open(RequestContext ctx, long nodeId, int flags, OpenResult out) {
        return -ENOSYS;
    }

    default int create(RequestContext ctx, long parent, byte[] name, int mode, int flags, int umask,
                       Entry entry, OpenResult open) {
        return -ENOSYS;
    }

    /**
     * Reads up to {@code size} bytes at {@code offset} straight into guest memory through the
     * {@code iovCount} iovecs at native address {@code iovAddress}. Returns the bytes read (less
     * than size only at end of file).
     */
    default long read(RequestContext ctx, long nodeId, long fh, long offset, int size, long iovAddress, int iovCount) {
        return -ENOSYS;
    }

    /**
     * Writes {@code size} bytes at {@code offset} straight from guest memory (the iovecs at
     * {@code iovAddress}). {@code writeFlags} are FUSE_WRITE_*; {@code fileFlags} the guest
     * file's open flags (O_APPEND matters). Returns the bytes written.
     */
    default long write(RequestContext ctx, long nodeId, long fh, long offset, int size, int writeFlags, int fileFlags,
                       long iovAddress, int iovCount) {
        return -ENOSYS;
    }

    default int flush(RequestContext ctx, long nodeId, long fh, long lockOwner) {
        return -ENOSYS;
    }

    default int release(RequestContext ctx, long nodeId, long fh, int flags) {
        return -ENOSYS;
    }

    default int fsync(RequestContext ctx, long nodeId, long fh, boolean dataOnly) {
        return -ENOSYS;
    }

    default int opendir(RequestContext ctx, long nodeId, int flags, OpenResult out) {
        return -ENOSYS;
    }

    /**
     * Lists the directory from {@code offset} (0 = start, else a {@code nextOffset} given
     * earlier), feeding entries, "." and ".." included, to {@code sink} until it refuses one or
     * the directory ends.
     */
    default int readdir(RequestContext ctx, long nodeId, long fh, long offset, DirSink sink) {
        return -ENOSYS;
    }

    default int releasedir(RequestContext ctx, long nodeId, long fh) {
        return -ENOSYS;
    }

    default int fsyncdir(RequestContext ctx, long nodeId, long fh, boolean dataOnly) {
        return -ENOSYS;
    }

    default int statfs(RequestContext ctx, long nodeId, StatFs out) {
        return -ENOSYS;
    }

    /** @param mask F_OK or a combination of R_OK, W_OK, X_OK */
    default int access(RequestContext ctx, long nodeId, int mask) {
        return -ENOSYS;
    }

    default int fallocate(RequestContext ctx, long nodeId, long fh, int mode, long offset, long length) {
        return -ENOSYS;
    }

    /** Returns the resulting offset. {@code whence} includes SEEK_DATA and SEEK_HOLE. */
    default long lseek(RequestContext ctx, long nodeId, long fh, long offset, int whence) {
        return -ENOSYS;
    }

    /** Syncs the filesystem that holds {@code nodeId}. */
    default int syncfs(RequestContext ctx, long nodeId) {
        return -ENOSYS;
    }

    default int setxattr(RequestContext ctx, long nodeId, byte[] name, byte[] value, int flags) {
        return -ENOSYS;
    }

    /**
     * Reads attribute {@code name} into {@code buf}; with {@code buf == null} only returns the
     * value's size. Returns the size, or -ERANGE if {@code buf} is too small.
     */
    default int getxattr(RequestContext ctx, long nodeId, byte[] name, byte[] buf) {
        return -ENOSYS;
    }

    /** Lists attribute names (NUL-separated) into {@code buf}; {@code buf == null}: size only. */
    default int listxattr(RequestContext ctx, long nodeId, byte[] buf) {
        return -ENOSYS;
    }

    default int removexattr(RequestContext ctx, long nodeId, byte[] name) {
        return -ENOSYS;
    }

    /**
     * TMPFILE: an unnamed regular file in directory {@code parent} (open(2) with O_TMPFILE),
     * answered like CREATE: a node with one lookup and an open handle. Unless the guest asked
     * O_EXCL, a later LINK gives it a name.
     */
    default int tmpfile(RequestContext ctx, long parent, int mode, int flags, int umask, Entry entry,
                        OpenResult open) {
        return -ENOSYS;
    }

    /**
     * STATX (FUSE 7.39): the node's statx(2) fields with birth time where the host knows it.
     * {@code sxFlags} are the AT_STATX_* sync hints, {@code sxMask} the fields the guest wants.
     */
    default int statx(RequestContext ctx, long nodeId, int sxFlags, int sxMask, StatxAttr out) {
        return -ENOSYS;
    }

    /**
     * COPY_FILE_RANGE: copies up to {@code length} bytes from handle {@code fhIn} of
     * {@code nodeIn} at {@code offIn} to handle {@code fhOut} of {@code nodeOut} at
     * {@code offOut}. Returns the bytes copied.
     */
    default long copyFileRange(RequestContext ctx, long nodeIn, long fhIn, long offIn, long nodeOut, long fhOut,
                               long offOut, long length, int flags) {
        return -ENOSYS;
    }

    /**
     * IOCTL on an open handle: {@code in} holds the {@code inSize} input bytes; the output (at
     * most {@code out.length} bytes) goes into {@code out}. Returns the number of output bytes
     * (the ioctl's own result is 0), -ENOTTY for a command that is not passed on.
     */
    default int ioctl(RequestContext ctx, long nodeId, long fh, int flags, int cmd, byte[] in, int inSize,
                      byte[] out) {
        return -ENOSYS;
    }

    /** What {@link #setlk} returns when it keeps a SETLKW waiting; the outcome comes through the {@link LockWait}. */
    int LOCK_PENDING = 1;

    /**
     * GETLK: could lock owner {@code owner} place {@code lock} through handle {@code fh}? On
     * success {@code lock} describes the first conflicting lock, or its type is F_UNLCK.
     */
    default int getlk(RequestContext ctx, long nodeId, long fh, long owner, LockSpec lock) {
        return -ENOSYS;
    }

    /**
     * SETLK and SETLKW: places, changes or removes (F_UNLCK) {@code lock} for lock owner
     * {@code owner}; with {@code flock} it is a flock(2) lock of the open file {@code fh} (the
     * range is the whole file). A conflict answers -EAGAIN when {@code wait} is null (SETLK); with
     * a {@code wait} (SETLKW) the call returns {@link #LOCK_PENDING} instead and ends the wait
     * later, once, from another thread. The caller holds {@code wait}'s monitor during the call,
     * so the wait cannot end before the caller has seen LOCK_PENDING.
     */
    default int setlk(RequestContext ctx, long nodeId, long fh, long owner, LockSpec lock, boolean flock,
                      LockWait wait) {
        return -ENOSYS;
    }
}
