package dev.jvirtiofsd.daemon.fuse;

import static dev.jvirtiofsd.daemon.fuse.Exchange.ARGS;
import static dev.jvirtiofsd.daemon.fuse.Exchange.PAYLOAD;
import static dev.jvirtiofsd.daemon.fuse.OperationDispatcher.MAX_BUFFER_SIZE;

import dev.jvirtiofsd.daemon.fs.Entry;
import dev.jvirtiofsd.daemon.fs.FileSystem;
import dev.jvirtiofsd.daemon.fs.OpenResult;
import dev.jvirtiofsd.protocol.CreateIn;
import dev.jvirtiofsd.protocol.EntryOut;
import dev.jvirtiofsd.protocol.Errno;
import dev.jvirtiofsd.protocol.FallocateIn;
import dev.jvirtiofsd.protocol.FlushIn;
import dev.jvirtiofsd.protocol.FsyncIn;
import dev.jvirtiofsd.protocol.FuseFlags;
import dev.jvirtiofsd.protocol.LseekIn;
import dev.jvirtiofsd.protocol.LseekOut;
import dev.jvirtiofsd.protocol.OpenIn;
import dev.jvirtiofsd.protocol.OpenOut;
import dev.jvirtiofsd.protocol.OutHeader;
import dev.jvirtiofsd.protocol.ReadIn;
import dev.jvirtiofsd.protocol.ReleaseIn;
import dev.jvirtiofsd.protocol.WriteIn;
import dev.jvirtiofsd.protocol.WriteOut;
import java.nio.ByteBuffer;

/**
 * The requests about open files and directories: OPEN, CREATE, READ, WRITE, FLUSH, RELEASE,
 * FSYNC, FALLOCATE, LSEEK, OPENDIR, READDIR, READDIRPLUS, RELEASEDIR, FSYNCDIR. READ and WRITE
 * move the data straight between the file and guest memory through iovecs.
 */
final class FileOperations {
    private final FileSystem fs;

    FileOperations(FileSystem fs) {
        this.fs = fs;
    }

    int open(Exchange ex, WorkerState s) {
        OpenIn in = s.openIn.decode(ex.request, ARGS);
        OpenResult o = s.open;
        o.clear();
        s.ctx.killSuidgid = (in.openFlags & FuseFlags.OPEN_KILL_SUIDGID) != 0;
        return ex.replyOpen(fs.open(s.ctx, ex.header.nodeid, in.flags, o), o);
    }

    int create(Exchange ex, WorkerState s) {
        CreateIn in = s.createIn.decode(ex.request, ARGS);
        byte[] name = ex.lastName(ARGS + CreateIn.BYTES);
        if (name == null) {
            return ex.malformed(Malformation.BAD_NAME, ex.argsLength);
        }
        Entry e = s.clearedEntry();
        OpenResult o = s.open;
        o.clear();
        s.ctx.killSuidgid = (in.openFlags & FuseFlags.OPEN_KILL_SUIDGID) != 0;
        int rc = fs.create(s.ctx, ex.header.nodeid, name, in.mode, in.flags, in.umask, e, o);
        if (rc < 0) {
            return ex.fail(rc);
        }
        ReplyEncoder.putEntry(ex.reply, PAYLOAD, e);
        ReplyEncoder.putOpen(ex.reply, PAYLOAD + EntryOut.BYTES, o);
        return ex.replyOk(EntryOut.BYTES + OpenOut.BYTES);
    }

    /** READ: the data goes from the file straight into the guest's buffers after the out-header. */
    int read(Exchange ex, WorkerState s) {
        ReadIn in = s.readIn.decode(ex.request, ARGS);
        long size = Integer.toUnsignedLong(in.size);
        if (size > MAX_BUFFER_SIZE) {
            return ex.replyError(Errno.ENOMEM);
        }
        if (ex.writableBytes() < OutHeader.BYTES + size) {
            return ex.noRoom(OutHeader.BYTES + size);
        }
        RequestMemory m = ex.memory;
        int count = 0;
        long address = 0;
        int length = 0;
        if (size > 0) {
            count = m.writableIovecs(OutHeader.BYTES, size);
            address = m.iovecAddress();
            length = (int) Math.min(size, m.iovecBytes());
        }
        long n = fs.read(s.ctx, ex.header.nodeid, in.fh, in.offset, length, address, count);
        if (n < 0) {
            return ex.fail(n);
        }
        if (n > length) {
            return ex.fileSystemBug(n);
        }
        return ex.replyHeaderOf(OutHeader.BYTES + (int) n);
    }

    /** WRITE: the data goes from the guest's buffers (after the two headers) straight into the file. */
    int write(Exchange ex, WorkerState s) {
        WriteIn in = s.writeIn.decode(ex.request, ARGS);
        long size = Integer.toUnsignedLong(in.size);
        if (size != ex.argsLength - WriteIn.BYTES) {
            return ex.malformed(Malformation.BAD_SIZE, size);
        }
        RequestMemory m = ex.memory;
        int count = 0;
        long address = 0;
        int length = 0;
        if (size > 0) {
            count = m.readableIovecs(ARGS + WriteIn.BYTES, size);
            address = m.iovecAddress();
            length = (int) Math.min(size, m.iovecBytes());
        }
        long n = fs.write(s.ctx, ex.header.nodeid, in.fh, in.offset, length, in.writeFlags, in.flags, address, count);
        if (n < 0) {
            return ex.fail(n);
        }
        if (n > length) {
            return ex.fileSystemBug(n);
        }
        ByteBuffer b = ex.reply;
        b.putInt(PAYLOAD + WriteOut.SIZE, (int) n);
        b.putInt(PAYLOAD + WriteOut.SIZE + 4, 0); // padding
        return ex.replyOk(WriteOut.BYTES);
    }

    int release(Exchange ex, WorkerState s) {
        ReleaseIn in = s.releaseIn.decode(ex.request, ARGS);
        return ex.replyStatus(fs.release(s.ctx, ex.header.nodeid, in.fh, in.flags));
    }

    int fsync(Exchange ex, WorkerState s, boolean directory) {
        FsyncIn in = s.fsyncIn.decode(ex.request, ARGS);
        boolean dataOnly = (in.fsyncFlags & FuseFlags.FSYNC_FDATASYNC) != 0;
        return ex.replyStatus(directory
            ? fs.fsyncdir(s.ctx, ex.header.nodeid, in.fh, dataOnly)
            : fs.fsync(s.ctx, ex.header.nodeid, in.fh, dataOnly));
    }

    int flush(Exchange ex, WorkerState s) {
        FlushIn in = s.flushIn.decode(ex.request, ARGS);
        return ex.replyStatus(fs.flush(s.ctx, ex.header.nodeid, in.fh, in.lockOwner));
    }

    int fallocate(Exchange ex, WorkerState s) {
        FallocateIn in = s.fallocateIn.decode(ex.request, ARGS);
        return ex.replyStatus(fs.fallocate(s.ctx, ex.header.nodeid, in.fh, in.mode, in.offset, in.length));
    }

    int lseek(Exchange ex, WorkerState s) {
        LseekIn in = s.lseekIn.decode(ex.request, ARGS);
        long offset = fs.lseek(s.ctx, ex.header.nodeid, in.fh, in.offset, in.whence);
        if (offset < 0) {
            return ex.fail(offset);
        }
        ex.reply.putLong(PAYLOAD + LseekOut.OFFSET, offset);
        return ex.replyOk(LseekOut.BYTES);
    }


    int opendir(Exchange ex, WorkerState s) {
        OpenIn in = s.openIn.decode(ex.request, ARGS);
        OpenResult o = s.open;
        o.clear();
        return ex.replyOpen(fs.opendir(s.ctx, ex.header.nodeid, in.flags, o), o);
    }

    int releasedir(Exchange ex, WorkerState s) {
        ReleaseIn in = s.releaseIn.decode(ex.request, ARGS);
        return ex.replyStatus(fs.releasedir(s.ctx, ex.header.nodeid, in.fh));
    }

    int readdir(Exchange ex, WorkerState s) {
        ReadIn in = s.readIn.decode(ex.request, ARGS);
        long size = Integer.toUnsignedLong(in.size);
        if (size > MAX_BUFFER_SIZE) {
            return ex.replyError(Errno.ENOMEM);
        }
        if (ex.writableBytes() < OutHeader.BYTES + size) {
            return ex.noRoom(OutHeader.BYTES + size);
        }
        DirentPacker packer = s.direntPacker;
        packer.begin(ex.replyWithRoomFor((int) size), PAYLOAD, (int) size);
        int rc = fs.readdir(s.ctx, ex.header.nodeid, in.fh, in.offset, packer);
        if (rc < 0 && packer.used() == 0) {
            return ex.fail(rc);
        }
        return ex.replyOk(packer.used()); // an error after some entries: the entries so far
    }

    int readdirplus(Exchange ex, WorkerState s) {
        ReadIn in = s.readIn.decode(ex.request, ARGS);
        long size = Integer.toUnsignedLong(in.size);
        if (size > MAX_BUFFER_SIZE) {
            return ex.replyError(Errno.ENOMEM);
        }
        if (ex.writableBytes() < OutHeader.BYTES + size) {
            return ex.noRoom(OutHeader.BYTES + size);
        }
        DirentPlusPacker packer = s.direntPlusPacker;
        packer.begin(ex.replyWithRoomFor((int) size), PAYLOAD, (int) size, s.ctx, ex.header.nodeid);
        int used = 0;
        try {
            int rc = fs.readdir(s.ctx, ex.header.nodeid, in.fh, in.offset, packer);
            int error = rc < 0 ? rc : packer.lookupError();
            if (error < 0 && packer.used() == 0) {
                return ex.fail(error);
            }
            used = ex.replyOk(packer.used()); // an error after some entries: the entries so far
            return used;
        } finally {
            if (used == 0) {
                packer.forgetLookedUp(); // the guest never saw these entries, so it will not forget them
            }
        }
    }
}
