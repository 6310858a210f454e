package dev.jvirtiofsd.daemon.fuse;

import static dev.jvirtiofsd.daemon.fuse.Exchange.ARGS;
import static dev.jvirtiofsd.daemon.fuse.Exchange.PAYLOAD;

import dev.jvirtiofsd.daemon.fs.Attr;
import dev.jvirtiofsd.daemon.fs.Entry;
import dev.jvirtiofsd.daemon.fs.FileSystem;
import dev.jvirtiofsd.daemon.fs.SetAttrRequest;
import dev.jvirtiofsd.protocol.BatchForgetIn;
import dev.jvirtiofsd.protocol.ForgetOne;
import dev.jvirtiofsd.protocol.FuseFlags;
import dev.jvirtiofsd.protocol.GetattrIn;
import dev.jvirtiofsd.protocol.Kstatfs;
import dev.jvirtiofsd.protocol.LinkIn;
import dev.jvirtiofsd.protocol.MkdirIn;
import dev.jvirtiofsd.protocol.MknodIn;
import dev.jvirtiofsd.protocol.OutHeader;
import dev.jvirtiofsd.protocol.Rename2In;
import dev.jvirtiofsd.protocol.RenameIn;
import dev.jvirtiofsd.protocol.SetattrIn;

/**
 * The requests about names and inodes: LOOKUP, FORGET, BATCH_FORGET, GETATTR, SETATTR,
 * READLINK, SYMLINK, MKNOD, MKDIR, UNLINK, RMDIR, RENAME, RENAME2, LINK, STATFS, ACCESS, SYNCFS.
 * Each decodes its arguments (names must end in their only NUL), calls the file system and
 * encodes the answer; the dispatcher has checked the struct sizes and the room for the reply.
 */
final class NodeOperations {
    private final FileSystem fs;
    /** attr_valid of GETATTR and SETATTR replies, from the cache policy. */
    private final long attrTimeoutSeconds;

    NodeOperations(FileSystem fs, FuseServerConfig config) {
        this.fs = fs;
        this.attrTimeoutSeconds = config.cachePolicy().timeoutSeconds;
    }

    int lookup(Exchange ex, WorkerState s) {
        byte[] name = ex.reusedLastName(ARGS);
        if (name == null) {
            return ex.malformed(Malformation.BAD_NAME, ex.argsLength);
        }
        Entry e = s.clearedEntry();
        return ex.replyEntry(fs.lookup(s.ctx, ex.header.nodeid, name, e), e);
    }

    int forget(Exchange ex, WorkerState s) {
        fs.forget(ex.header.nodeid, s.forgetIn.decode(ex.request, ARGS).nlookup);
        return 0;
    }

    int batchForget(Exchange ex, WorkerState s) {
        long count = Integer.toUnsignedLong(s.batchForgetIn.decode(ex.request, ARGS).count);
        if (count > (ex.argsLength - BatchForgetIn.BYTES) / ForgetOne.BYTES) {
            ex.report(Malformation.BAD_SIZE, count);
            return 0;
        }
        ForgetOne one = s.forgetOne;
        for (int i = 0; i < count; i++) {
            one.decode(ex.request, ARGS + BatchForgetIn.BYTES + i * ForgetOne.BYTES);
            fs.forget(one.nodeid, one.nlookup);
        }
        return 0;
    }

    int getattr(Exchange ex, WorkerState s) {
        GetattrIn in = s.getattrIn.decode(ex.request, ARGS);
        long fh = (in.getattrFlags & FuseFlags.GETATTR_FH) != 0 ? in.fh : -1;
        Attr a = s.attr;
        a.clear();
        return ex.replyAttr(fs.getattr(s.ctx, ex.header.nodeid, fh, a), a, attrTimeoutSeconds);
    }

    int setattr(Exchange ex, WorkerState s) {
        SetattrIn in = s.setattrIn.decode(ex.request, ARGS);
        SetAttrRequest r = s.setAttr;
        r.valid = in.valid;
        r.fh = in.fh;
        r.size = in.size;
        r.lockOwner = in.lockOwner;
        r.atime = in.atime;
        r.mtime = in.mtime;
        r.ctime = in.ctime;
        r.atimensec = in.atimensec;
        r.mtimensec = in.mtimensec;
        r.ctimensec = in.ctimensec;
        r.mode = in.mode;
        r.uid = in.uid;
        r.gid = in.gid;
        Attr a = s.attr;
        a.clear();
        return ex.replyAttr(fs.setattr(s.ctx, ex.header.nodeid, r, a), a, attrTimeoutSeconds);
    }

    int readlink(Exchange ex, WorkerState s) {
        byte[] target = s.linkTarget;
        int length = fs.readlink(s.ctx, ex.header.nodeid, target);
        if (length < 0) {
            return ex.fail(length);
        }
        if (length > target.length) {
            return ex.fileSystemBug(length);
        }
        if (ex.writableBytes() < OutHeader.BYTES + length) {
            return ex.noRoom(OutHeader.BYTES + length);
        }
        return ex.replyData(target, length);
    }

    int symlink(Exchange ex, WorkerState s) {
        // The entry's name, then the link target, each NUL-terminated.
        int nul = ex.nulIndex(ARGS);
        byte[] target = nul < 0 ? null : ex.lastName(nul + 1);
        if (target == null) {
            return ex.malformed(Malformation.BAD_NAME, ex.argsLength);
        }
        byte[] name = ex.copy(ARGS, nul);
        Entry e = s.clearedEntry();
        return ex.replyEntry(fs.symlink(s.ctx, ex.header.nodeid, name, target, e), e);
    }

    int mknod(Exchange ex, WorkerState s) {
        MknodIn in = s.mknodIn.decode(ex.request, ARGS);
        byte[] name = ex.lastName(ARGS + MknodIn.BYTES);
        if (name == null) {
            return ex.malformed(Malformation.BAD_NAME, ex.argsLength);
        }
        Entry e = s.clearedEntry();
        return ex.replyEntry(fs.mknod(s.ctx, ex.header.nodeid, name, in.mode, in.rdev, in.umask, e), e);
    }

    int mkdir(Exchange ex, WorkerState s) {
        MkdirIn in = s.mkdirIn.decode(ex.request, ARGS);
        byte[] name = ex.lastName(ARGS + MkdirIn.BYTES);
        if (name == null) {
            return ex.malformed(Malformation.BAD_NAME, ex.argsLength);
        }
        Entry e = s.clearedEntry();
        return ex.replyEntry(fs.mkdir(s.ctx, ex.header.nodeid, name, in.mode, in.umask, e), e);
    }

    int unlink(Exchange ex, WorkerState s) {
        byte[] name = ex.lastName(ARGS);
        if (name == null) {
            return ex.malformed(Malformation.BAD_NAME, ex.argsLength);
        }
        return ex.replyStatus(fs.unlink(s.ctx, ex.header.nodeid, name));
    }

    int rmdir(Exchange ex, WorkerState s) {
        byte[] name = ex.lastName(ARGS);
        if (name == null) {
            return ex.malformed(Malformation.BAD_NAME, ex.argsLength);
        }
        return ex.replyStatus(fs.rmdir(s.ctx, ex.header.nodeid, name));
    }

    int rename(Exchange ex, WorkerState s) {
        return rename(ex, s.renameIn.decode(ex.request, ARGS).newdir, RenameIn.BYTES, 0, s);
    }

    /** RENAME2: flags (NOREPLACE, EXCHANGE, WHITEOUT) go to the file system, which decides. */
    int rename2(Exchange ex, WorkerState s) {
        Rename2In in = s.rename2In.decode(ex.request, ARGS);
        return rename(ex, in.newdir, Rename2In.BYTES, in.flags, s);
    }

    /** RENAME and RENAME2: the struct, then the old and the new name, each NUL-terminated. */
    private int rename(Exchange ex, long newDir, int structBytes, int flags, WorkerState s) {
        int nul = ex.nulIndex(ARGS + structBytes);
        byte[] newName = nul < 0 ? null : ex.lastName(nul + 1);
        if (newName == null) {
            return ex.malformed(Malformation.BAD_NAME, ex.argsLength);
        }
        byte[] oldName = ex.copy(ARGS + structBytes, nul);
        return ex.replyStatus(fs.rename(s.ctx, ex.header.nodeid, oldName, newDir, newName, flags));
    }

    int link(Exchange ex, WorkerState s) {
        LinkIn in = s.linkIn.decode(ex.request, ARGS);
        byte[] name = ex.lastName(ARGS + LinkIn.BYTES);
        if (name == null) {
            return ex.malformed(Malformation.BAD_NAME, ex.argsLength);
        }
        Entry e = s.clearedEntry();
        // The request's node id is the new parent; the struct names the inode to link.
        return ex.replyEntry(fs.link(s.ctx, in.oldnodeid, ex.header.nodeid, name, e), e);
    }

    int statfs(Exchange ex, WorkerState s) {
        int rc = fs.statfs(s.ctx, ex.header.nodeid, s.statFs);
        if (rc < 0) {
            return ex.fail(rc);
        }
        ReplyEncoder.putStatfs(ex.reply, PAYLOAD, s.statFs);
        return ex.replyOk(Kstatfs.BYTES);
    }

    int access(Exchange ex, WorkerState s) {
        return ex.replyStatus(fs.access(s.ctx, ex.header.nodeid, s.accessIn.decode(ex.request, ARGS).mask));
    }

    int syncfs(Exchange ex, WorkerState s) {
        return ex.replyStatus(fs.syncfs(s.ctx, ex.header.nodeid));
    }
}
