package dev.jvirtiofsd.daemon.fs;

/** Who asks: the identity in the FUSE in-header of the request being served. Reused per thread. */
public final class RequestContext {
    /** Guest uid and gid of the requesting process (unsigned 32-bit values held in an int). */
    public int uid;
    public int gid;
    public int pid;

    public RequestContext set(int uid, int gid, int pid) {
        this.uid = uid;
        this.gid = gid;
        this.pid = pid;
        return this;
    }
}
