package dev.jvirtiofsd.daemon.sys;

import jnr.ffi.Pointer;

/** The fields of glibc's {@code struct statvfs} (x86_64). Mutable, reused. */
public final class StatVfs {
    public long bsize;
    public long frsize;
    public long blocks;
    public long bfree;
    public long bavail;
    public long files;
    public long ffree;
    public long favail;
    public long flag;
    public long namemax;

    void readFrom(Pointer p) {
        bsize = p.getLong(0);
        frsize = p.getLong(8);
        blocks = p.getLong(16);
        bfree = p.getLong(24);
        bavail = p.getLong(32);
        files = p.getLong(40);
        ffree = p.getLong(48);
        favail = p.getLong(56);
        flag = p.getLong(72);
        namemax = p.getLong(80);
    }
}
