package dev.jvirtiofsd.daemon.sys;

import jnr.ffi.Pointer;

/** The fields of {@code struct statx} (linux/stat.h) the filesystem uses. Mutable, reused. */
public final class Stat {
    /** STATX_* bits: which fields the kernel filled in. */
    public int mask;
    public int blksize;
    public int nlink;
    public int uid;
    public int gid;
    /** File type and permission bits ({@code stx_mode}, 16 bits). */
    public int mode;
    public long ino;
    public long size;
    public long blocks;
    public long atimeSec;
    public int atimeNsec;
    public long mtimeSec;
    public int mtimeNsec;
    public long ctimeSec;
    public int ctimeNsec;
    /** Birth time: valid only when {@link #mask} has {@link Syscalls#STATX_BTIME}. */
    public long btimeSec;
    public int btimeNsec;
    /** STATX_ATTR_* flags and which of them the filesystem supports. */
    public long attributes;
    public long attributesMask;
    public int rdevMajor;
    public int rdevMinor;
    public int devMajor;
    public int devMinor;
    /** Mount id, 0 when the kernel did not report one (STATX_MNT_ID needs Linux 5.8). */
    public long mntId;

    /** The device number in glibc's {@code makedev} encoding (the host's st_dev). */
    public long dev() {
        return makedev(devMajor, devMinor);
    }

    /** The rdev in the kernel's 32-bit {@code new_encode_dev} form that FUSE carries. */
    public int rdevEncoded() {
        return (rdevMinor & 0xff) | ((rdevMajor & 0xfff) << 8) | ((rdevMinor & ~0xff) << 12);
    }

    public int fileType() {
        return mode & FileMode.S_IFMT;
    }

    public static long makedev(int major, int minor) {
        long maj = major & 0xffffffffL;
        long min = minor & 0xffffffffL;
        return ((maj & 0xfffL) << 8) | ((maj & ~0xfffL) << 32) | (min & 0xffL) | ((min & ~0xffL) << 12);
    }

    // Offsets in struct statx (linux/stat.h), x86_64.
    void readFrom(Pointer p) {
        mask = p.getInt(0);
        blksize = p.getInt(4);
        nlink = p.getInt(16);
        uid = p.getInt(20);
        gid = p.getInt(24);
        mode = p.getShort(28) & 0xffff;
        ino = p.getLong(32);
        size = p.getLong(40);
        blocks = p.getLong(48);
        attributes = p.getLong(8);
        attributesMask = p.getLong(56);
        btimeSec = p.getLong(80);
        btimeNsec = p.getInt(88);
        atimeSec = p.getLong(64);
        atimeNsec = p.getInt(72);
        ctimeSec = p.getLong(96);
        ctimeNsec = p.getInt(104);
        mtimeSec = p.getLong(112);
        mtimeNsec = p.getInt(120);
        rdevMajor = p.getInt(128);
        rdevMinor = p.getInt(132);
        devMajor = p.getInt(136);
        devMinor = p.getInt(140);
        mntId = (mask & Syscalls.STATX_MNT_ID) != 0 ? p.getLong(144) : 0;
    }
}
