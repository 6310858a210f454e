package dev.jvirtiofsd.daemon.fuse;

import static dev.jvirtiofsd.daemon.fuse.Exchange.ARGS;
import static dev.jvirtiofsd.daemon.fuse.Exchange.PAYLOAD;

import dev.jvirtiofsd.daemon.fs.FileSystem;
import dev.jvirtiofsd.protocol.AccessIn;
import dev.jvirtiofsd.protocol.AttrOut;
import dev.jvirtiofsd.protocol.BatchForgetIn;
import dev.jvirtiofsd.protocol.CopyFileRangeIn;
import dev.jvirtiofsd.protocol.CreateIn;
import dev.jvirtiofsd.protocol.EntryOut;
import dev.jvirtiofsd.protocol.Errno;
import dev.jvirtiofsd.protocol.FallocateIn;
import dev.jvirtiofsd.protocol.FlushIn;
import dev.jvirtiofsd.protocol.ForgetIn;
import dev.jvirtiofsd.protocol.FsyncIn;
import dev.jvirtiofsd.protocol.FuseProtocol;
import dev.jvirtiofsd.protocol.GetattrIn;
import dev.jvirtiofsd.protocol.GetxattrIn;
import dev.jvirtiofsd.protocol.InitFlags;
import dev.jvirtiofsd.protocol.InitIn;
import dev.jvirtiofsd.protocol.InitOut;
import dev.jvirtiofsd.protocol.InterruptIn;
import dev.jvirtiofsd.protocol.IoctlIn;
import dev.jvirtiofsd.protocol.IoctlOut;
import dev.jvirtiofsd.protocol.Kstatfs;
import dev.jvirtiofsd.protocol.LinkIn;
import dev.jvirtiofsd.protocol.LkIn;
import dev.jvirtiofsd.protocol.LkOut;
import dev.jvirtiofsd.protocol.LseekIn;
import dev.jvirtiofsd.protocol.LseekOut;
import dev.jvirtiofsd.protocol.MkdirIn;
import dev.jvirtiofsd.protocol.MknodIn;
import dev.jvirtiofsd.protocol.Opcode;
import dev.jvirtiofsd.protocol.OpenIn;
import dev.jvirtiofsd.protocol.OpenOut;
import dev.jvirtiofsd.protocol.OutHeader;
import dev.jvirtiofsd.protocol.ReadIn;
import dev.jvirtiofsd.protocol.ReleaseIn;
import dev.jvirtiofsd.protocol.Rename2In;
import dev.jvirtiofsd.protocol.RenameIn;
import dev.jvirtiofsd.protocol.SetattrIn;
import dev.jvirtiofsd.protocol.SetxattrIn;
import dev.jvirtiofsd.protocol.StatxIn;
import dev.jvirtiofsd.protocol.StatxOut;
import dev.jvirtiofsd.protocol.WriteIn;
import dev.jvirtiofsd.protocol.WriteOut;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one framed request: checks that its arguments have the opcode's size and that the
 * guest left room for the reply, then hands it to the operations that decode it, call the
 * {@link FileSystem} and encode the reply. Serves INIT and DESTROY itself (they open and close
 * the {@link FuseSession}); anything not served answers ENOSYS.
 */
final class OperationDispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(FuseServer.class);

    /** Largest READ, READDIR and xattr size, and max_write (the Rust virtiofsd's MAX_BUFFER_SIZE). */
    static final int MAX_BUFFER_SIZE = 1 << 20;
    /** max_pages offered: MAX_BUFFER_SIZE in 4 KiB pages. */
    static final int MAX_PAGES = MAX_BUFFER_SIZE / 4096;
    static final int MAX_BACKGROUND = 65535;
    static final int CONGESTION_THRESHOLD = MAX_BACKGROUND / 4 * 3;

    /** Marks opcodes that send no reply in {@link #replyPayloadBytes}. */
    static final int NO_REPLY = -1;

    private final FileSystem fs;
    private final FuseServerConfig config;
    private final FuseSession session;
    private final NodeOperations nodes;
    private final FileOperations files;
    private final XattrOperations xattrs;
    private final LockOperations locks;
    private final ExtendedOperations extended;

    OperationDispatcher(FileSystem fs, FuseServerConfig config, FuseSession session) {
        this.fs = fs;
        this.config = config;
        this.session = session;
        this.nodes = new NodeOperations(fs, config);
        this.files = new FileOperations(fs);
        this.xattrs = new XattrOperations(fs, session);
        this.locks = new LockOperations(fs, config);
        this.extended = new ExtendedOperations(fs);
    }

    /** Whether the opcode gets a reply at all (FORGET, BATCH_FORGET, INTERRUPT and DESTROY do not). */
    static boolean hasReply(int opcode) {
        return replyPayloadBytes(opcode) != NO_REPLY;
    }

    /** Bytes after the out-header of a successful reply whose size is fixed (0 for variable ones). */
    static int replyPayloadBytes(int opcode) {
        switch (opcode) {
            case Opcode.FORGET:
            case Opcode.BATCH_FORGET:
            case Opcode.INTERRUPT:
            case Opcode.DESTROY:
                return NO_REPLY;
            case Opcode.LOOKUP:
            case Opcode.MKNOD:
            case Opcode.MKDIR:
            case Opcode.SYMLINK:
            case Opcode.LINK:
                return EntryOut.BYTES;
            case Opcode.GETATTR:
            case Opcode.SETATTR:
                return AttrOut.BYTES;
            case Opcode.OPEN:
            case Opcode.OPENDIR:
                return OpenOut.BYTES;
            case Opcode.CREATE:
            case Opcode.TMPFILE:
                return EntryOut.BYTES + OpenOut.BYTES;
            case Opcode.WRITE:
            case Opcode.COPY_FILE_RANGE:
                return WriteOut.BYTES;
            case Opcode.STATX:
                return StatxOut.BYTES;
            case Opcode.IOCTL:
                return IoctlOut.BYTES;
            case Opcode.STATFS:
                return Kstatfs.BYTES;
            case Opcode.LSEEK:
                return LseekOut.BYTES;
            case Opcode.GETLK:
                return LkOut.BYTES;
            case Opcode.INIT:
                return InitOut.BYTES;
            default:
                return 0;
        }
    }

    /** Smallest argument length of the opcode: its fixed struct (names are checked by each handler). */
    static int requiredArgsBytes(int opcode) {
        switch (opcode) {
            case Opcode.INIT:
                return InitIn.COMPAT_BYTES;
            case Opcode.FORGET:
                return ForgetIn.BYTES;
            case Opcode.BATCH_FORGET:
                return BatchForgetIn.BYTES;
            case Opcode.GETATTR:
                return GetattrIn.BYTES;
            case Opcode.SETATTR:
                return SetattrIn.BYTES;
            case Opcode.MKNOD:
                return MknodIn.BYTES;
            case Opcode.MKDIR:
                return MkdirIn.BYTES;
            case Opcode.RENAME:
                return RenameIn.BYTES;
            case Opcode.RENAME2:
                return Rename2In.BYTES;
            case Opcode.LINK:
                return LinkIn.BYTES;
            case Opcode.OPEN:
            case Opcode.OPENDIR:
                return OpenIn.BYTES;
            case Opcode.CREATE:
            case Opcode.TMPFILE:
                return CreateIn.BYTES;
            case Opcode.STATX:
                return StatxIn.BYTES;
            case Opcode.COPY_FILE_RANGE:
                return CopyFileRangeIn.BYTES;
            case Opcode.IOCTL:
                return IoctlIn.BYTES;
            case Opcode.READ:
            case Opcode.READDIR:
            case Opcode.READDIRPLUS:
                return ReadIn.BYTES;
            case Opcode.WRITE:
                return WriteIn.BYTES;
            case Opcode.RELEASE:
            case Opcode.RELEASEDIR:
                return ReleaseIn.BYTES;
            case Opcode.FLUSH:
                return FlushIn.BYTES;
            case Opcode.FSYNC:
            case Opcode.FSYNCDIR:
                return FsyncIn.BYTES;
            case Opcode.SETXATTR:
                return SetxattrIn.COMPAT_BYTES;
            case Opcode.GETXATTR:
            case Opcode.LISTXATTR:
                return GetxattrIn.BYTES;
            case Opcode.ACCESS:
                return AccessIn.BYTES;
            case Opcode.FALLOCATE:
                return FallocateIn.BYTES;
            case Opcode.LSEEK:
                return LseekIn.BYTES;
            case Opcode.GETLK:
            case Opcode.SETLK:
            case Opcode.SETLKW:
                return LkIn.BYTES;
            case Opcode.INTERRUPT:
                return InterruptIn.BYTES;
            default:
                return 0;
        }
    }

    private static boolean isXattrOpcode(int opcode) {
        return opcode == Opcode.SETXATTR || opcode == Opcode.GETXATTR || opcode == Opcode.LISTXATTR
            || opcode == Opcode.REMOVEXATTR;
    }

    /** Serves a request whose header and length the server has checked. Returns the used length. */
    int dispatch(Exchange ex, WorkerState s) {
        int opcode = ex.header.opcode;
        if (isXattrOpcode(opcode) && !config.xattr()) {
            return ex.replyError(Errno.ENOSYS);
        }
        int payload = replyPayloadBytes(opcode);
        if (ex.argsLength < requiredArgsBytes(opcode)) {
            if (payload == NO_REPLY) {
                ex.report(Malformation.SHORT_ARGUMENTS, ex.argsLength);
                return 0;
            }
            return ex.malformed(Malformation.SHORT_ARGUMENTS, ex.argsLength);
        }
        if (payload > 0 && ex.writableBytes() < OutHeader.BYTES + payload) {
            return ex.noRoom(OutHeader.BYTES + payload);
        }
        switch (opcode) {
            case Opcode.INIT:
                return init(ex, s);
            case Opcode.DESTROY:
                return destroy();
            case Opcode.INTERRUPT:
                return locks.interrupt(ex); // only a waiting SETLKW is interruptible
            case Opcode.GETLK:
                return locks.getlk(ex, s);
            case Opcode.SETLK:
                return locks.setlk(ex, s, false);
            case Opcode.SETLKW:
                return locks.setlk(ex, s, true);
            case Opcode.LOOKUP:
                return nodes.lookup(ex, s);
            case Opcode.FORGET:
                return nodes.forget(ex, s);
            case Opcode.BATCH_FORGET:
                return nodes.batchForget(ex, s);
            case Opcode.GETATTR:
                return nodes.getattr(ex, s);
            case Opcode.SETATTR:
                return nodes.setattr(ex, s);
            case Opcode.READLINK:
                return nodes.readlink(ex, s);
            case Opcode.SYMLINK:
                return nodes.symlink(ex, s);
            case Opcode.MKNOD:
                return nodes.mknod(ex, s);
            case Opcode.MKDIR:
                return nodes.mkdir(ex, s);
            case Opcode.UNLINK:
                return nodes.unlink(ex, s);
            case Opcode.RMDIR:
                return nodes.rmdir(ex, s);
            case Opcode.RENAME:
                return nodes.rename(ex, s);
            case Opcode.RENAME2:
                return nodes.rename2(ex, s);
            case Opcode.LINK:
                return nodes.link(ex, s);
            case Opcode.STATFS:
                return nodes.statfs(ex, s);
            case Opcode.ACCESS:
                return nodes.access(ex, s);
            case Opcode.SYNCFS:
                return nodes.syncfs(ex, s);
            case Opcode.OPEN:
                return files.open(ex, s);
            case Opcode.CREATE:
                return files.create(ex, s);
            case Opcode.READ:
                return files.read(ex, s);
            case Opcode.WRITE:
                return files.write(ex, s);
            case Opcode.FLUSH:
                return files.flush(ex, s);
            case Opcode.RELEASE:
                return files.release(ex, s);
            case Opcode.FSYNC:
                return files.fsync(ex, s, false);
            case Opcode.FALLOCATE:
                return files.fallocate(ex, s);
            case Opcode.LSEEK:
                return files.lseek(ex, s);
            case Opcode.OPENDIR:
                return files.opendir(ex, s);
            case Opcode.READDIR:
                return files.readdir(ex, s);
            case Opcode.READDIRPLUS:
                return files.readdirplus(ex, s);
            case Opcode.RELEASEDIR:
                return files.releasedir(ex, s);
            case Opcode.FSYNCDIR:
                return files.fsync(ex, s, true);
            case Opcode.SETXATTR:
                return xattrs.setxattr(ex, s);
            case Opcode.GETXATTR:
                return xattrs.getxattr(ex, s);
            case Opcode.LISTXATTR:
                return xattrs.listxattr(ex, s);
            case Opcode.REMOVEXATTR:
                return xattrs.removexattr(ex, s);
            case Opcode.TMPFILE:
                return extended.tmpfile(ex, s);
            case Opcode.STATX:
                return extended.statx(ex, s);
            case Opcode.COPY_FILE_RANGE:
                return extended.copyFileRange(ex, s);
            case Opcode.IOCTL:
                return extended.ioctl(ex, s);
            case Opcode.BMAP: // block mapping is for block-device filesystems (fuseblk), never virtio-fs
            case Opcode.POLL: // poll notifications need a notification queue, which we do not offer
            case Opcode.NOTIFY_REPLY: // we never send FUSE_NOTIFY_RETRIEVE, so no reply can be due
            case Opcode.SETUPMAPPING: // no DAX window (no shared-memory region is exposed)
            case Opcode.REMOVEMAPPING:
                return ex.replyError(Errno.ENOSYS);
            default:
                // CUSE_INIT and unknown opcodes (docs/opcodes.md).
                return ex.replyError(Errno.ENOSYS);
        }
    }

    // ---- session ----

    private int init(Exchange ex, WorkerState s) {
        InitIn in = s.initIn.decodeCompat(ex.request, ARGS);
        if ((in.flags & InitFlags.INIT_EXT) != 0) {
            if (ex.argsLength < InitIn.BYTES) {
                return ex.malformed(Malformation.SHORT_ARGUMENTS, ex.argsLength);
            }
            in.decode(ex.request, ARGS);
        }
        InitOut out = s.initOut;
        clear(out);
        out.major = FuseProtocol.KERNEL_VERSION;
        out.minor = FuseProtocol.MAX_KERNEL_MINOR_VERSION;
        switch (InitNegotiation.judge(in.major, in.minor)) {
            case REJECT:
                LOG.error("Unsupported FUSE protocol version {}.{} (need {}.{} or later)", Integer.toUnsignedString(in.major),
                    Integer.toUnsignedString(in.minor), FuseProtocol.KERNEL_VERSION, FuseProtocol.MIN_KERNEL_MINOR_VERSION);
                return ex.replyError(Errno.EPROTO);
            case ANSWER_VERSION_ONLY:
                LOG.info("Guest offers FUSE {}.{}; answering {}.{} so that it retries", Integer.toUnsignedString(in.major),
                    Integer.toUnsignedString(in.minor), out.major, out.minor);
                out.encode(ex.reply, PAYLOAD);
                return ex.replyOk(InitOut.BYTES);
            default:
                break;
        }
        // Never claim a minor the guest does not know: it would then expect layouts it lacks.
        if (Integer.compareUnsigned(in.minor, out.minor) < 0) {
            out.minor = in.minor;
        }
        long guestFlags = in.allFlags();
        long missing = InitNegotiation.missingRequired(guestFlags, config);
        if (missing != 0) {
            LOG.error("The guest does not support {}, which the options ask for", InitFlags.describe(missing));
            return ex.replyError(Errno.EPROTO);
        }
        long negotiated = InitNegotiation.negotiate(guestFlags, config);
        int rc = fs.init(negotiated);
        if (rc < 0) {
            LOG.error("File system refused the FUSE session: {}", Errno.name(rc));
            session.end();
            return ex.fail(rc);
        }
        session.start(negotiated);
        LOG.info("FUSE session started: guest protocol {}.{}, guest flags {}, negotiated {}", in.major, in.minor,
            Long.toHexString(guestFlags), InitFlags.describe(negotiated));
        out.maxReadahead = in.maxReadahead;
        out.flags = (int) negotiated;
        out.flags2 = (int) (negotiated >>> 32);
        out.maxBackground = MAX_BACKGROUND;
        out.congestionThreshold = CONGESTION_THRESHOLD;
        out.maxWrite = MAX_BUFFER_SIZE;
        out.timeGran = 1;
        out.maxPages = MAX_PAGES;
        out.encode(ex.reply, PAYLOAD);
        return ex.replyOk(InitOut.BYTES);
    }

    private static void clear(InitOut out) {
        out.major = out.minor = out.maxReadahead = out.flags = out.flags2 = 0;
        out.maxBackground = out.congestionThreshold = out.maxWrite = out.timeGran = 0;
        out.maxPages = out.mapAlignment = 0;
    }

    private int destroy() {
        session.end();
        fs.destroy();
        return 0;
    }
}
