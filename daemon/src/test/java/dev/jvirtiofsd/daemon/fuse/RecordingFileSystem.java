package dev.jvirtiofsd.daemon.fuse;

import dev.jvirtiofsd.daemon.fs.Attr;
import dev.jvirtiofsd.daemon.fs.DirSink;
import dev.jvirtiofsd.daemon.fs.Entry;
import dev.jvirtiofsd.daemon.fs.FileSystem;
import dev.jvirtiofsd.daemon.fs.OpenResult;
import dev.jvirtiofsd.daemon.fs.RequestContext;
import dev.jvirtiofsd.daemon.fs.SetAttrRequest;
import dev.jvirtiofsd.daemon.fs.StatFs;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A file system that records every call as a line of text and answers with recognizable
 * values. {@link #results} overrides the return value of a method by name (e.g. "lookup" ->
 * -ENOENT); lookups of names in {@link #lookupResults} return that result instead.
 */
final class RecordingFileSystem implements FileSystem {
    /** One directory entry that readdir feeds to the sink. */
    record DirEntry(long ino, long nextOffset, int type, String name) {
    }

    final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    final Map<String, Long> results = Collections.synchronizedMap(new HashMap<>());
    final Map<String, Integer> lookupResults = Collections.synchronizedMap(new HashMap<>());
    final List<DirEntry> directory = new ArrayList<>();
    /** Per readdir call: how many entries the sink took before it refused one (or the list ended). */
    final List<Integer> entriesTaken = Collections.synchronizedList(new ArrayList<>());
    RuntimeException throwOnNextCall;
    long nextNodeId = 100;
    byte[] linkTarget = "target/of/link".getBytes(StandardCharsets.UTF_8);
    byte[] xattrValue = "xattr-value".getBytes(StandardCharsets.UTF_8);

    private long result(String method, long success) {
        RuntimeException t = throwOnNextCall;
        if (t != null) {
            throwOnNextCall = null;
            throw t;
        }
        Long r = results.get(method);
        return r != null ? r : success;
    }

    private void record(String line) {
        calls.add(line);
    }

    static String str(byte[] name) {
        return new String(name, StandardCharsets.UTF_8);
    }

    private static String who(RequestContext ctx) {
        return Integer.toUnsignedString(ctx.uid) + "/" + Integer.toUnsignedString(ctx.gid) + "/" + ctx.pid;
    }

    /** Fills an entry whose every field is derived from the node id. */
    static void fillEntry(Entry e, long nodeId) {
        e.nodeId = nodeId;
        e.generation = nodeId + 1;
        e.entryValidSeconds = 5;
        e.entryValidNanos = 6;
        e.attrValidSeconds = 7;
        e.attrValidNanos = 8;
        fillAttr(e.attr, nodeId);
    }

    static void fillAttr(Attr a, long seed) {
        a.ino = seed * 10;
        a.size = seed * 11;
        a.blocks = seed * 12;
        a.atime = seed * 13;
        a.mtime = seed * 14;
        a.ctime = seed * 15;
        a.atimensec = (int) seed + 16;
        a.mtimensec = (int) seed + 17;
        a.ctimensec = (int) seed + 18;
        a.mode = 0100644;
        a.nlink = 1;
        a.uid = 1000;
        a.gid = 1001;
        a.rdev = 0;
        a.blksize = 4096;
        a.flags = 0;
    }

    private int entryResult(String method, Entry out) {
        int rc = (int) result(method, 0);
        if (rc >= 0) {
            fillEntry(out, nextNodeId++);
        }
        return rc;
    }

    @Override
    public int init(long negotiatedFlags) {
        record("init " + Long.toHexString(negotiatedFlags));
        return (int) result("init", 0);
    }

    @Override
    public void destroy() {
        record("destroy");
    }

    @Override
    public int lookup(RequestContext ctx, long parent, byte[] name, Entry out) {
        record("lookup " + who(ctx) + " " + parent + " " + str(name));
        Integer forName = lookupResults.get(str(name));
        if (forName != null && forName < 0) {
            return forName;
        }
        return entryResult("lookup", out);
    }

    @Override
    public void forget(long nodeId, long nlookup) {
        record("forget " + nodeId + " " + nlookup);
    }

    @Override
    public int getattr(RequestContext ctx, long nodeId, long fh, Attr out) {
        record("getattr " + nodeId + " " + fh);
        fillAttr(out, nodeId);
        return (int) result("getattr", 0);
    }

    @Override
    public int setattr(RequestContext ctx, long nodeId, SetAttrRequest in, Attr out) {
        record("setattr " + nodeId + " valid=" + in.valid + " fh=" + in.fh + " size=" + in.size + " owner=" + in.lockOwner
            + " atime=" + in.atime + "." + in.atimensec + " mtime=" + in.mtime + "." + in.mtimensec
            + " ctime=" + in.ctime + "." + in.ctimensec + " mode=" + Integer.toOctalString(in.mode)
            + " uid=" + in.uid + " gid=" + in.gid);
        fillAttr(out, nodeId);
        return (int) result("setattr", 0);
    }

    @Override
    public int readlink(RequestContext ctx, long nodeId, byte[] buf) {
        record("readlink " + nodeId + " room=" + buf.length);
        System.arraycopy(linkTarget, 0, buf, 0, Math.min(linkTarget.length, buf.length));
        return (int) result("readlink", linkTarget.length);
    }

    @Override
    public int symlink(RequestContext ctx, long parent, byte[] name, byte[] target, Entry out) {
        record("symlink " + parent + " " + str(name) + " -> " + str(target));
        return entryResult("symlink", out);
    }

    @Override
    public int mknod(RequestContext ctx, long parent, byte[] name, int mode, int rdev, int umask, Entry out) {
        record("mknod " + parent + " " + str(name) + " mode=" + Integer.toOctalString(mode) + " rdev=" + rdev
            + " umask=" + Integer.toOctalString(umask));
        return entryResult("mknod", out);
    }

    @Override
    public int mkdir(RequestContext ctx, long parent, byte[] name, int mode, int umask, Entry out) {
        record("mkdir " + who(ctx) + " " + parent + " " + str(name) + " mode=" + Integer.toOctalString(mode)
            + " umask=" + Integer.toOctalString(umask));
        return entryResult("mkdir", out);
    }

    @Override
    public int unlink(RequestContext ctx, long parent, byte[] name) {
        record("unlink " + parent + " " + str(name));
        return (int) result("unlink", 0);
    }

    @Override
    public int rmdir(RequestContext ctx, long parent, byte[] name) {
        record("rmdir " + parent + " " + str(name));
        return (int) result("rmdir", 0);
    }

    @Override
    public int rename(RequestContext ctx, long oldParent, byte[] oldName, long newParent, byte[] newName, int flags) {
        record("rename " + oldParent + " " + str(oldName) + " " + newParent + " " + str(newName) + " flags=" + flags);
        return (int) result("rename", 0);
    }

    @Override
    public int link(RequestContext ctx, long nodeId, long newParent, byte[] newName, Entry out) {
        record("link " + nodeId + " " + newParent + " " + str(newName));
        return entryResult("link", out);
    }

    @Override
    public int open(RequestContext ctx, long nodeId, int flags, OpenResult out) {
        record("open " + nodeId + " flags=" + Integer.toOctalString(flags));
        out.fh = 77;
        out.openFlags = 2;
        return (int) result("open", 0);
    }

    @Override
    public int create(RequestContext ctx, long parent, byte[] name, int mode, int flags, int umask, Entry entry,
                      OpenResult open) {
        record("create " + parent + " " + str(name) + " mode=" + Integer.toOctalString(mode) + " flags="
            + Integer.toOctalString(flags) + " umask=" + Integer.toOctalString(umask));
        open.fh = 78;
        open.openFlags = 1;
        return entryResult("create", entry);
    }

    @Override
    public long read(RequestContext ctx, long nodeId, long fh, long offset, int size, long iovAddress, int iovCount) {
        record("read " + nodeId + " fh=" + fh + " off=" + offset + " size=" + size + " iov=" + Long.toHexString(iovAddress)
            + "x" + iovCount);
        return result("read", size);
    }

    @Override
    public long write(RequestContext ctx, long nodeId, long fh, long offset, int size, int writeFlags, int fileFlags,
                      long iovAddress, int iovCount) {
        record("write " + nodeId + " fh=" + fh + " off=" + offset + " size=" + size + " wflags=" + writeFlags
            + " fflags=" + Integer.toOctalString(fileFlags) + " iov=" + Long.toHexString(iovAddress) + "x" + iovCount);
        return result("write", size);
    }

    @Override
    public int flush(RequestContext ctx, long nodeId, long fh, long lockOwner) {
        record("flush " + nodeId + " fh=" + fh + " owner=" + lockOwner);
        return (int) result("flush", 0);
    }

    @Override
    public int release(RequestContext ctx, long nodeId, long fh, int flags) {
        record("release " + nodeId + " fh=" + fh + " flags=" + Integer.toOctalString(flags));
        return (int) result("release", 0);
    }

    @Override
    public int fsync(RequestContext ctx, long nodeId, long fh, boolean dataOnly) {
        record("fsync " + nodeId + " fh=" + fh + " dataOnly=" + dataOnly);
        return (int) result("fsync", 0);
    }

    @Override
    public int opendir(RequestContext ctx, long nodeId, int flags, OpenResult out) {
        record("opendir " + nodeId + " flags=" + Integer.toOctalString(flags));
        out.fh = 79;
        out.openFlags = 8;
        return (int) result("opendir", 0);
    }

    @Override
    public int readdir(RequestContext ctx, long nodeId, long fh, long offset, DirSink sink) {
        record("readdir " + nodeId + " fh=" + fh + " off=" + offset);
        int taken = 0;
        for (DirEntry d : directory) {
            byte[] name = (d.name() + "\0garbage").getBytes(StandardCharsets.UTF_8); // longer than the name
            if (!sink.add(d.ino(), d.nextOffset(), d.type(), name, d.name().getBytes(StandardCharsets.UTF_8).length)) {
                break;
            }
            taken++;
        }
        entriesTaken.add(taken);
        return (int) result("readdir", 0);
    }

    @Override
    public int releasedir(RequestContext ctx, long nodeId, long fh) {
        record("releasedir " + nodeId + " fh=" + fh);
        return (int) result("releasedir", 0);
    }

    @Override
    public int fsyncdir(RequestContext ctx, long nodeId, long fh, boolean dataOnly) {
        record("fsyncdir " + nodeId + " fh=" + fh + " dataOnly=" + dataOnly);
        return (int) result("fsyncdir", 0);
    }

    @Override
    public int statfs(RequestContext ctx, long nodeId, StatFs out) {
        record("statfs " + nodeId);
        out.blocks = 1;
        out.bfree = 2;
        out.bavail = 3;
        out.files = 4;
        out.ffree = 5;
        out.bsize = 6;
        out.namelen = 7;
        out.frsize = 8;
        return (int) result("statfs", 0);
    }

    @Override
    public int access(RequestContext ctx, long nodeId, int mask) {
        record("access " + nodeId + " mask=" + mask);
        return (int) result("access", 0);
    }

    @Override
    public int fallocate(RequestContext ctx, long nodeId, long fh, int mode, long offset, long length) {
        record("fallocate " + nodeId + " fh=" + fh + " mode=" + mode + " off=" + offset + " len=" + length);
        return (int) result("fallocate", 0);
    }

    @Override
    public long lseek(RequestContext ctx, long nodeId, long fh, long offset, int whence) {
        record("lseek " + nodeId + " fh=" + fh + " off=" + offset + " whence=" + whence);
        return result("lseek", offset + 1000);
    }

    @Override
    public int syncfs(RequestContext ctx, long nodeId) {
        record("syncfs " + nodeId);
        return (int) result("syncfs", 0);
    }

    @Override
    public int setxattr(RequestContext ctx, long nodeId, byte[] name, byte[] value, int flags) {
        record("setxattr " + nodeId + " " + str(name) + "=" + str(value) + " flags=" + flags);
        return (int) result("setxattr", 0);
    }

    @Override
    public int getxattr(RequestContext ctx, long nodeId, byte[] name, byte[] buf) {
        record("getxattr " + nodeId + " " + str(name) + (buf == null ? " size-only" : " room=" + buf.length));
        if (buf != null) {
            System.arraycopy(xattrValue, 0, buf, 0, xattrValue.length);
        }
        return (int) result("getxattr", xattrValue.length);
    }

    @Override
    public int listxattr(RequestContext ctx, long nodeId, byte[] buf) {
        record("listxattr " + nodeId + (buf == null ? " size-only" : " room=" + buf.length));
        byte[] names = "user.a\0user.b\0".getBytes(StandardCharsets.UTF_8);
        if (buf != null) {
            System.arraycopy(names, 0, buf, 0, names.length);
        }
        return (int) result("listxattr", names.length);
    }

    @Override
    public int removexattr(RequestContext ctx, long nodeId, byte[] name) {
        record("removexattr " + nodeId + " " + str(name));
        return (int) result("removexattr", 0);
    }
}
