package dev.jvirtiofsd.daemon.fs;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Handle ids handed to the guest by OPEN, CREATE and OPENDIR. Ids start at 0 and are never reused. */
final class HandleTable {
    private final ConcurrentHashMap<Long, Handle> byId = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong(0);

    /** Takes over {@code fd} and returns the new handle id. */
    long add(long nodeId, int fd) {
        long id = nextId.getAndIncrement();
        byId.put(id, new Handle(id, nodeId, fd));
        return id;
    }

    /**
     * The handle {@code id}, pinned (the caller must unpin it), if it exists and belongs to
     * {@code nodeId}; else null (the guest then gets EBADF).
     */
    Handle acquire(long id, long nodeId) {
        Handle handle = byId.get(id);
        if (handle == null || handle.nodeId != nodeId || !handle.pin()) {
            return null;
        }
        return handle;
    }

    /** Removes handle {@code id} if it belongs to {@code nodeId}; returns whether it did. */
    boolean remove(long id, long nodeId) {
        Handle handle = byId.get(id);
        if (handle == null || handle.nodeId != nodeId || !byId.remove(id, handle)) {
            return false;
        }
        handle.unpin();
        return true;
    }

    void clear() {
        for (Handle handle : byId.values()) {
            if (byId.remove(handle.id, handle)) {
                handle.unpin();
            }
        }
    }

    int size() {
        return byId.size();
    }
}
