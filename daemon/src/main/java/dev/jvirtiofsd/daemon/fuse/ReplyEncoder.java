package dev.jvirtiofsd.daemon.fuse;

import dev.jvirtiofsd.daemon.fs.Attr;
import dev.jvirtiofsd.daemon.fs.Entry;
import dev.jvirtiofsd.daemon.fs.OpenResult;
import dev.jvirtiofsd.daemon.fs.StatFs;
import dev.jvirtiofsd.protocol.AttrOut;
import dev.jvirtiofsd.protocol.EntryOut;
import dev.jvirtiofsd.protocol.FuseAttr;
import dev.jvirtiofsd.protocol.Kstatfs;
import dev.jvirtiofsd.protocol.OpenOut;
import java.nio.ByteBuffer;

/** Writes the file system's answer carriers as FUSE reply structs (little-endian buffers). */
final class ReplyEncoder {
    private ReplyEncoder() {
    }

    /** {@code struct fuse_attr}, {@link FuseAttr#BYTES} bytes. */
    static void putAttr(ByteBuffer b, int at, Attr a) {
        b.putLong(at + FuseAttr.INO, a.ino);
        b.putLong(at + FuseAttr.SIZE, a.size);
        b.putLong(at + FuseAttr.BLOCKS, a.blocks);
        b.putLong(at + FuseAttr.ATIME, a.atime);
        b.putLong(at + FuseAttr.MTIME, a.mtime);
        b.putLong(at + FuseAttr.CTIME, a.ctime);
        b.putInt(at + FuseAttr.ATIMENSEC, a.atimensec);
        b.putInt(at + FuseAttr.MTIMENSEC, a.mtimensec);
        b.putInt(at + FuseAttr.CTIMENSEC, a.ctimensec);
        b.putInt(at + FuseAttr.MODE, a.mode);
        b.putInt(at + FuseAttr.NLINK, a.nlink);
        b.putInt(at + FuseAttr.UID, a.uid);
        b.putInt(at + FuseAttr.GID, a.gid);
        b.putInt(at + FuseAttr.RDEV, a.rdev);
        b.putInt(at + FuseAttr.BLKSIZE, a.blksize);
        b.putInt(at + FuseAttr.FLAGS, a.flags);
    }

    /** {@code struct fuse_entry_out}, {@link EntryOut#BYTES} bytes. */
    static void putEntry(ByteBuffer b, int at, Entry e) {
        b.putLong(at + EntryOut.NODEID, e.nodeId);
        b.putLong(at + EntryOut.GENERATION, e.generation);
        b.putLong(at + EntryOut.ENTRY_VALID, e.entryValidSeconds);
        b.putLong(at + EntryOut.ATTR_VALID, e.attrValidSeconds);
        b.putInt(at + EntryOut.ENTRY_VALID_NSEC, e.entryValidNanos);
        b.putInt(at + EntryOut.ATTR_VALID_NSEC, e.attrValidNanos);
        putAttr(b, at + EntryOut.ATTR, e.attr);
    }

    /** {@code struct fuse_attr_out}, {@link AttrOut#BYTES} bytes. */
    static void putAttrOut(ByteBuffer b, int at, Attr a, long validSeconds) {
        b.putLong(at + AttrOut.ATTR_VALID, validSeconds);
        b.putInt(at + AttrOut.ATTR_VALID_NSEC, 0);
        b.putInt(at + AttrOut.ATTR_VALID_NSEC + 4, 0); // dummy
        putAttr(b, at + AttrOut.ATTR, a);
    }

    /** {@code struct fuse_open_out}, {@link OpenOut#BYTES} bytes. */
    static void putOpen(ByteBuffer b, int at, OpenResult o) {
        b.putLong(at + OpenOut.FH, o.fh);
        b.putInt(at + OpenOut.OPEN_FLAGS, o.openFlags);
        b.putInt(at + OpenOut.OPEN_FLAGS + 4, 0); // padding
    }

    /** {@code struct fuse_kstatfs}, {@link Kstatfs#BYTES} bytes. */
    static void putStatfs(ByteBuffer b, int at, StatFs s) {
        b.putLong(at + Kstatfs.BLOCKS, s.blocks);
        b.putLong(at + Kstatfs.BFREE, s.bfree);
        b.putLong(at + Kstatfs.BAVAIL, s.bavail);
        b.putLong(at + Kstatfs.FILES, s.files);
        b.putLong(at + Kstatfs.FFREE, s.ffree);
        b.putInt(at + Kstatfs.BSIZE, s.bsize);
        b.putInt(at + Kstatfs.NAMELEN, s.namelen);
        b.putInt(at + Kstatfs.FRSIZE, s.frsize);
        for (int i = Kstatfs.FRSIZE + 4; i < Kstatfs.BYTES; i += 4) {
            b.putInt(at + i, 0); // padding, spare
        }
    }
}
