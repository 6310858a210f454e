package dev.jvirtiofsd.daemon.fuse;

import static dev.jvirtiofsd.daemon.fuse.Exchange.ARGS;
import static dev.jvirtiofsd.daemon.fuse.Exchange.PAYLOAD;

import dev.jvirtiofsd.daemon.fs.Entry;
import dev.jvirtiofsd.daemon.fs.FileSystem;
import dev.jvirtiofsd.daemon.fs.OpenResult;
import dev.jvirtiofsd.daemon.fs.StatxAttr;
import dev.jvirtiofsd.protocol.CopyFileRangeIn;
import dev.jvirtiofsd.protocol.CreateIn;
import dev.jvirtiofsd.protocol.EntryOut;
import dev.jvirtiofsd.protocol.Errno;
import dev.jvirtiofsd.protocol.FuseFlags;
import dev.jvirtiofsd.protocol.IoctlIn;
import dev.jvirtiofsd.protocol.IoctlOut;
import dev.jvirtiofsd.protocol.OpenOut;
import dev.jvirtiofsd.protocol.OutHeader;
import dev.jvirtiofsd.protocol.StatxIn;
import dev.jvirtiofsd.protocol.StatxOut;
import dev.jvirtiofsd.protocol.WriteOut;
import java.nio.ByteBuffer;

/**
 * The requests of newer protocol versions that the Rust virtiofsd leaves out or answers ENOSYS:
 * TMPFILE, STATX (7.39), COPY_FILE_RANGE and IOCTL. None is on a data hot path; their decoders
 * live in a per-thread holder of this class.
 */
final class ExtendedOperations {
    /**
     * Largest copy per request: the kernel's MAX_RW_COUNT (INT_MAX rounded down to a page), so
     * the count always fits the reply's 32-bit size.
     */
    static final long MAX_COPY_BYTES = 0x7ffff000L;
    /** Largest ioctl argument we accept; the ioctls passed on take at most 28 bytes. */
    static final int MAX_IOCTL_BYTES = 4096;

    /** Per-thread decoders and answer carriers. */
    private static final class State {
        final CreateIn createIn = new CreateIn();
        final StatxIn statxIn = new StatxIn();
        final StatxOut statxOut = new StatxOut();
        final StatxAttr statx = new StatxAttr();
        final CopyFileRangeIn copyIn = new CopyFileRangeIn();
        final IoctlIn ioctlIn = new IoctlIn();
        final IoctlOut ioctlOut = new IoctlOut();
        final byte[] ioctlInput = new byte[MAX_IOCTL_BYTES];
        /** Output arrays by size (the guest kernel's out_size is the command's fixed size). */
        private byte[][] ioctlOutputs = new byte[MAX_IOCTL_BYTES + 1][];

        byte[] ioctlOutput(int size) {
            byte[] b = ioctlOutputs[size];
            if (b == null) {
                b = new byte[size];
                ioctlOutputs[size] = b;
            }
            return b;
        }
    }

    private final FileSystem fs;
    private final ThreadLocal<State> state = ThreadLocal.withInitial(State::new);

    ExtendedOperations(FileSystem fs) {
        this.fs = fs;
    }

    /** TMPFILE: fuse_create_in and a placeholder name ("/"), answered like CREATE. */
    int tmpfile(Exchange ex, WorkerState s) {
        CreateIn in = state.get().createIn.decode(ex.request, ARGS);
        Entry e = s.clearedEntry();
        OpenResult o = s.open;
        o.clear();
        int rc = fs.tmpfile(s.ctx, ex.header.nodeid, in.mode, in.flags, in.umask, e, o);
        if (rc < 0) {
            return ex.fail(rc);
        }
        ReplyEncoder.putEntry(ex.reply, PAYLOAD, e);
        ReplyEncoder.putOpen(ex.reply, PAYLOAD + EntryOut.BYTES, o);
        return ex.replyOk(EntryOut.BYTES + OpenOut.BYTES);
    }

    int statx(Exchange ex, WorkerState s) {
        State st = state.get();
        StatxIn in = st.statxIn.decode(ex.request, ARGS);
        StatxAttr a = st.statx;
        a.clear();
        int rc = fs.statx(s.ctx, ex.header.nodeid, in.sxFlags, in.sxMask, a);
        if (rc < 0) {
            return ex.fail(rc);
        }
        StatxOut out = st.statxOut;
        out.attrValid = a.attrValidSeconds;
        out.attrValidNsec = 0;
        out.flags = 0;
        out.mask = a.mask;
        out.blksize = a.blksize;
        out.attributes = a.attributes;
        out.attributesMask = a.attributesMask;
        out.nlink = a.nlink;
        out.uid = a.uid;
        out.gid = a.gid;
        out.mode = a.mode;
        out.ino = a.ino;
        out.size = a.size;
        out.blocks = a.blocks;
        out.atimeSec = a.atimeSec;
        out.atimeNsec = a.atimeNsec;
        out.btimeSec = a.btimeSec;
        out.btimeNsec = a.btimeNsec;
        out.ctimeSec = a.ctimeSec;
        out.ctimeNsec = a.ctimeNsec;
        out.mtimeSec = a.mtimeSec;
        out.mtimeNsec = a.mtimeNsec;
        out.rdevMajor = a.rdevMajor;
        out.rdevMinor = a.rdevMinor;
        out.devMajor = a.devMajor;
        out.devMinor = a.devMinor;
        out.encode(ex.reply, PAYLOAD);
        return ex.replyOk(StatxOut.BYTES);
    }

    /** COPY_FILE_RANGE: the count goes back in fuse_write_out, so a copy is capped to fit 32 bits. */
    int copyFileRange(Exchange ex, WorkerState s) {
        CopyFileRangeIn in = state.get().copyIn.decode(ex.request, ARGS);
        long length = Long.compareUnsigned(in.len, MAX_COPY_BYTES) > 0 ? MAX_COPY_BYTES : in.len;
        if (in.flags < 0 || in.flags > Integer.MAX_VALUE) {
            return ex.replyError(Errno.EINVAL); // copy_file_range(2) takes an unsigned int; no flag is defined
        }
        long n = fs.copyFileRange(s.ctx, ex.header.nodeid, in.fhIn, in.offIn, in.nodeidOut, in.fhOut, in.offOut,
                length, (int) in.flags);
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

    /**
     * IOCTL: only restricted ioctls (fixed argument sizes) are considered; an unrestricted one
     * (CUSE's retry protocol) is refused with ENOTTY before anything runs. The input must be
     * exactly the in_size bytes after the struct, and the guest must have room for out_size.
     */
    int ioctl(Exchange ex, WorkerState s) {
        State st = state.get();
        IoctlIn in = st.ioctlIn.decode(ex.request, ARGS);
        if ((in.flags & FuseFlags.IOCTL_UNRESTRICTED) != 0) {
            return ex.replyError(Errno.ENOTTY);
        }
        long inSize = Integer.toUnsignedLong(in.inSize);
        long outSize = Integer.toUnsignedLong(in.outSize);
        if (inSize != ex.argsLength - IoctlIn.BYTES) {
            return ex.malformed(Malformation.BAD_SIZE, inSize);
        }
        if (inSize > MAX_IOCTL_BYTES || outSize > MAX_IOCTL_BYTES) {
            return ex.replyError(Errno.ENOTTY); // none of the ioctls we pass takes so much
        }
        if (ex.writableBytes() < OutHeader.BYTES + IoctlOut.BYTES + outSize) {
            return ex.noRoom(OutHeader.BYTES + IoctlOut.BYTES + outSize);
        }
        byte[] input = st.ioctlInput;
        ex.request.get(ARGS + IoctlIn.BYTES, input, 0, (int) inSize);
        byte[] output = st.ioctlOutput((int) outSize);
        int n = fs.ioctl(s.ctx, ex.header.nodeid, in.fh, in.flags, in.cmd, input, (int) inSize, output);
        if (n < 0) {
            return ex.fail(n);
        }
        if (n > outSize) {
            return ex.fileSystemBug(n);
        }
        IoctlOut out = st.ioctlOut;
        out.result = 0;
        out.flags = 0;
        out.inIovs = 0;
        out.outIovs = 0;
        ByteBuffer b = ex.replyWithRoomFor(IoctlOut.BYTES + n);
        out.encode(b, PAYLOAD);
        b.put(PAYLOAD + IoctlOut.BYTES, output, 0, n);
        return ex.replyOk(IoctlOut.BYTES + n);
    }
}
