package dev.jvirtiofsd.daemon.fs;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import dev.jvirtiofsd.daemon.sys.Stat;
import dev.jvirtiofsd.daemon.sys.Syscalls;

/**
 * The node ids the guest holds, each mapped to an {@link Inode}; and the same inodes by host
 * identity, so that a second lookup of a file returns the node id it already has.
 *
 * <p>Node ids are never reused: the root is 1, the others count up from 2 for the life of the
 * store. Every method is safe to call from several threads.
 */
final class InodeStore {
    static final long ROOT_ID = 1;

    private final ConcurrentHashMap<Long, Inode> byId = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<InodeKey, Inode> byKey = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong(ROOT_ID + 1);

    /** Installs the root (node id 1) with a lookup count of 2, as libfuse does. Takes over {@code fd}. */
    Inode installRoot(int fd, Stat st) {
        Inode root = new Inode(ROOT_ID, fd, keyOf(st), st.fileType(), 2);
        byId.put(ROOT_ID, root);
        byKey.put(root.key, root);
        return root;
    }

    /**
     * The inode with node id {@code id}, pinned (the caller must {@link Inode#unpin()} it), or
     * null if there is none.
     */
    Inode acquire(long id) {
        Inode inode = byId.get(id);
        if (inode == null || !inode.pin()) {
            return null;
        }
        return inode;
    }

    /**
     * Registers one more lookup of the file that the O_PATH fd {@code fd} (described by
     * {@code st}) refers to. If the file already has a live node, its count goes up and
     * {@code fd} is closed; otherwise a new node takes over {@code fd} with a count of 1.
     */
    Inode addLookup(int fd, Stat st) {
        InodeKey key = keyOf(st);
        Inode[] created = new Inode[1];
        Inode inode = byKey.compute(key, (k, existing) -> {
            if (existing != null && existing.incrementLookup()) {
                return existing;
            }
            // Absent, or its count already reached zero and it is on its way out: a new node.
            Inode fresh = new Inode(nextId.getAndIncrement(), fd, k, st.fileType(), 1);
            byId.put(fresh.id, fresh);
            created[0] = fresh;
            return fresh;
        });
        if (inode != created[0]) {
            Syscalls.close(fd);
        }
        return inode;
    }

    /** Subtracts {@code n} lookups from node {@code id}; at zero the node is dropped. Unknown ids are ignored. */
    void forget(long id, long n) {
        Inode inode = byId.get(id);
        if (inode != null && inode.decrementLookup(n)) {
            drop(inode);
        }
    }

    /** Drops every node (DESTROY, or INIT starting over). Requests still running keep their pins until they finish. */
    void clear() {
        for (Inode inode : byId.values()) {
            if (byId.remove(inode.id, inode)) {
                byKey.remove(inode.key, inode);
                inode.unpin();
            }
        }
    }

    int size() {
        return byId.size();
    }

    private void drop(Inode inode) {
        if (byId.remove(inode.id, inode)) {
            byKey.remove(inode.key, inode);
            inode.unpin();
        }
    }

    static InodeKey keyOf(Stat st) {
        return new InodeKey(st.dev(), st.ino, st.mntId);
    }
}
