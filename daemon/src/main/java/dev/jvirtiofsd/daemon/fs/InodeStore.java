package dev.jvirtiofsd.daemon.fs;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import dev.jvirtiofsd.daemon.sys.Errno;
import dev.jvirtiofsd.daemon.sys.Stat;
import dev.jvirtiofsd.daemon.sys.Syscalls;

/**
 * The node ids the guest holds, each mapped to an {@link Inode}; and the same inodes by host
 * identity, so that a second lookup of a file returns the node id it already has.
 *
 * <p>Identity: an inode held by its fd is found by (st_dev, st_ino, mount id); the fd pins the
 * file, so that inode number cannot be reused while the node exists. An inode held by a file
 * handle pins nothing: its file may be deleted and the number given to a new file, so it is found
 * by its handle only, which carries the inode's generation (as in the Rust virtiofsd).
 *
 * <p>Node ids are never reused: the root is 1, the others count up from 2 for the life of the
 * store. Every method is safe to call from several threads.
 */
final class InodeStore {
    static final long ROOT_ID = 1;
    /** Per thread: why the last {@link #acquire} failed. */
    private static final ThreadLocal<int[]> FAILURE = ThreadLocal.withInitial(() -> new int[] {-Errno.EBADF});

    private final InodeIndex byId = InodeIndex.byId();
    /** The inodes held by fd. */
    private final InodeIndex byKey = InodeIndex.byHostKey();
    /** Serializes making fd inodes, so that one file gets one node. */
    private final Object fdInodeCreation = new Object();
    /** The inodes held by file handle. */
    private final ConcurrentHashMap<FileHandle, Inode> byHandle = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong(ROOT_ID + 1);

    /** Installs the root (node id 1) with a lookup count of 2, as libfuse does. Takes over {@code fd}. */
    Inode installRoot(int fd, Stat st) {
        Inode root = new Inode(ROOT_ID, fd, keyOf(st), st.fileType(), 2);
        byId.put(root);
        byKey.put(root);
        return root;
    }

    /**
     * The inode with node id {@code id}, pinned (the caller must {@link Inode#unpin()} it), or
     * null if there is none or it cannot be opened; then {@link #failure()} tells why.
     */
    Inode acquire(long id) {
        Inode inode = byId.find(id, 0, 0);
        int ret = inode == null ? -Errno.EBADF : inode.pin();
        if (ret < 0) {
            FAILURE.get()[0] = ret;
            return null;
        }
        return inode;
    }

    /**
     * Why this thread's last {@link #acquire} answered null: -EBADF for an unknown node, or the
     * errno of opening its file handle (ESTALE when the file is gone).
     */
    static int failure() {
        return FAILURE.get()[0];
    }

    /**
     * Registers one more lookup of the file that the O_PATH fd {@code fd} (described by
     * {@code st}) refers to. If the file already has a live node, its count goes up and
     * {@code fd} is closed; otherwise a new node takes over {@code fd} with a count of 1.
     */
    Inode addLookup(int fd, Stat st) {
        long dev = st.dev();
        Inode known = liveByKey(dev, st.ino, st.mntId);
        if (known == null) {
            synchronized (fdInodeCreation) {
                known = liveByKey(dev, st.ino, st.mntId);
                if (known == null) {
                    // Absent, or its count already reached zero and it is on its way out: a new node.
                    Inode fresh = new Inode(nextId.getAndIncrement(), fd, new InodeKey(dev, st.ino, st.mntId),
                            st.fileType(), 1);
                    byId.put(fresh);
                    byKey.put(fresh);
                    return fresh;
                }
            }
        }
        Syscalls.close(fd);
        return known;
    }

    /** The fd inode with this identity after adding one lookup to it, or null if it has no live node. */
    private Inode liveByKey(long dev, long ino, long mntId) {
        Inode held = byKey.find(dev, ino, mntId);
        return held != null && held.incrementLookup() ? held : null;
    }

    /**
     * One more lookup of the file known by {@code handle} (or, with {@code key}, held by an fd)
     * if it has a live node: that node, or null if there is none.
     */
    Inode addLookupOfKnown(InodeKey key, FileHandle handle) {
        Inode held = liveByKey(key.dev(), key.ino(), key.mntId());
        if (held != null) {
            return held;
        }
        Inode known = byHandle.get(handle);
        if (known != null && known.incrementLookup()) {
            return known;
        }
        return null;
    }

    /**
     * Registers one lookup of the file known by {@code handle} on {@code mount} (one use of the
     * mount fd, taken over: released here if the file already has a live node, whose count then
     * goes up), with identity {@code key} and type {@code fileType}.
     */
    Inode addLookup(FileHandle handle, MountFds.MountFd mount, InodeKey key, int fileType) {
        Inode[] created = new Inode[1];
        Inode inode = byHandle.compute(handle, (h, existing) -> {
            if (existing != null && existing.incrementLookup()) {
                return existing;
            }
            Inode fresh = new Inode(nextId.getAndIncrement(), h, mount, key, fileType, 1);
            byId.put(fresh);
            created[0] = fresh;
            return fresh;
        });
        if (inode != created[0]) {
            mount.release();
        }
        return inode;
    }

    /** Subtracts {@code n} lookups from node {@code id}; at zero the node is dropped. Unknown ids are ignored. */
    void forget(long id, long n) {
        Inode inode = byId.find(id, 0, 0);
        if (inode != null && inode.decrementLookup(n)) {
            drop(inode);
        }
    }

    /** Drops every node (DESTROY, or INIT starting over). Requests still running keep their pins until they finish. */
    void clear() {
        for (Inode inode : byId.inodes()) {
            drop(inode);
        }
    }

    int size() {
        return byId.size();
    }

    private void drop(Inode inode) {
        if (byId.remove(inode)) {
            if (inode.handle == null) {
                byKey.remove(inode);
            } else {
                byHandle.remove(inode.handle, inode);
            }
            inode.unregister();
        }
    }

    static InodeKey keyOf(Stat st) {
        return new InodeKey(st.dev(), st.ino, st.mntId);
    }
}
