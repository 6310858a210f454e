package dev.jvirtiofsd.daemon.fs;

/** The answer to a lookup-type request ({@code struct fuse_entry_out}). Mutable, reused. */
public final class Entry {
    /** Our node id for the inode (0 = negative entry). */
    public long nodeId;
    public long generation;
    public long entryValidSeconds;
    public int entryValidNanos;
    public long attrValidSeconds;
    public int attrValidNanos;
    public final Attr attr = new Attr();

    public void clear() {
        nodeId = generation = entryValidSeconds = attrValidSeconds = 0;
        entryValidNanos = attrValidNanos = 0;
        attr.clear();
    }
}
