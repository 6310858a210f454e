package dev.jvirtiofsd.daemon.fs;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * An open-addressing hash table of inodes, found by a key the inode itself carries: its node id
 * ({@link #byId()}) or its (st_dev, st_ino, mnt_id) ({@link #byHostKey()}). A lookup takes the key
 * as plain longs, so finding an inode allocates nothing (no boxed id, no key record), which a
 * {@code ConcurrentHashMap} cannot offer.
 *
 * <p>Lookups are lock-free: they read the current slot array, whose slots are written with
 * release and read with acquire semantics. Changes are serialized on the table; a resize copies
 * the live inodes into a new array and publishes it, so a lookup racing with it sees either.
 * Removed slots hold a marker until the next resize, so probe sequences stay intact.
 */
abstract class InodeIndex {
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Object[].class);
    /** Marks a slot whose inode was removed: probing goes on past it. */
    private static final Object REMOVED = new Object();
    private static final int MIN_CAPACITY = 64;

    private volatile Object[] slots = new Object[MIN_CAPACITY];
    /** Inodes in the table, and removed markers in {@link #slots}; guarded by this. */
    private int live;
    private int removed;

    /** A table of inodes by node id. */
    static InodeIndex byId() {
        return new InodeIndex() {
            @Override
            int hash(long id, long unused1, long unused2) {
                return mix(id);
            }

            @Override
            boolean matches(Inode inode, long id, long unused1, long unused2) {
                return inode.id == id;
            }

            @Override
            int hashOf(Inode inode) {
                return mix(inode.id);
            }

            @Override
            boolean sameKey(Inode x, Inode y) {
                return x.id == y.id;
            }
        };
    }

    /** A table of inodes by their host identity (st_dev, st_ino, mnt_id). */
    static InodeIndex byHostKey() {
        return new InodeIndex() {
            @Override
            int hash(long dev, long ino, long mntId) {
                return mix(ino * 31 + dev * 0x9E3779B97F4A7C15L + mntId);
            }

            @Override
            boolean matches(Inode inode, long dev, long ino, long mntId) {
                InodeKey k = inode.key;
                return k.ino() == ino && k.dev() == dev && k.mntId() == mntId;
            }

            @Override
            int hashOf(Inode inode) {
                InodeKey k = inode.key;
                return hash(k.dev(), k.ino(), k.mntId());
            }

            @Override
            boolean sameKey(Inode x, Inode y) {
                return x.key.equals(y.key);
            }
        };
    }

    abstract int hash(long a, long b, long c);

    abstract boolean matches(Inode inode, long a, long b, long c);

    abstract int hashOf(Inode inode);

    abstract boolean sameKey(Inode x, Inode y);

    private static int mix(long x) {
        long h = x * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    /** The inode with key (a, b, c) (unused parts 0), or null. Lock-free; allocates nothing. */
    final Inode find(long a, long b, long c) {
        Object[] table = slots;
        int mask = table.length - 1;
        for (int i = hash(a, b, c) & mask; ; i = (i + 1) & mask) {
            Object slot = SLOT.getAcquire(table, i);
            if (slot == null) {
                return null;
            }
            if (slot != REMOVED && matches((Inode) slot, a, b, c)) {
                return (Inode) slot;
            }
        }
    }

    /** Adds {@code inode}, replacing an inode with the same key if there is one. */
    final synchronized void put(Inode inode) {
        Object[] table = slots;
        int mask = table.length - 1;
        int free = -1;
        int i = hashOf(inode) & mask;
        for (; ; i = (i + 1) & mask) {
            Object slot = table[i];
            if (slot == null) {
                break;
            }
            if (slot == REMOVED) {
                if (free < 0) {
                    free = i;
                }
            } else if (sameKey((Inode) slot, inode)) {
                SLOT.setRelease(table, i, inode);
                return;
            }
        }
        if (free >= 0) {
            removed--;
            i = free;
        }
        SLOT.setRelease(table, i, inode);
        live++;
        if ((live + removed) * 4 >= table.length * 3) {
            rebuild();
        }
    }

    /** Removes {@code inode} itself (not another inode with its key); false if it is not here. */
    final synchronized boolean remove(Inode inode) {
        Object[] table = slots;
        int mask = table.length - 1;
        for (int i = hashOf(inode) & mask; ; i = (i + 1) & mask) {
            Object slot = table[i];
            if (slot == null) {
                return false;
            }
            if (slot == inode) {
                SLOT.setRelease(table, i, REMOVED);
                live--;
                removed++;
                return true;
            }
        }
    }

    /** The inodes in the table now. */
    final synchronized List<Inode> inodes() {
        List<Inode> all = new ArrayList<>(live);
        for (Object slot : slots) {
            if (slot != null && slot != REMOVED) {
                all.add((Inode) slot);
            }
        }
        return all;
    }

    final synchronized int size() {
        return live;
    }

    /** Copies the live inodes into an array where they fill at most a quarter, without removed markers. */
    private void rebuild() {
        int capacity = MIN_CAPACITY;
        while (capacity < live * 4) {
            capacity <<= 1;
        }
        Object[] table = new Object[capacity];
        int mask = capacity - 1;
        for (Object slot : slots) {
            if (slot != null && slot != REMOVED) {
                int i = hashOf((Inode) slot) & mask;
                while (table[i] != null) {
                    i = (i + 1) & mask;
                }
                table[i] = slot;
            }
        }
        removed = 0;
        slots = table;
    }
}
