package dev.jvirtiofsd.daemon.fuse;

import static dev.jvirtiofsd.daemon.fuse.Exchange.ARGS;
import static dev.jvirtiofsd.daemon.fuse.Exchange.PAYLOAD;
import static dev.jvirtiofsd.daemon.fuse.OperationDispatcher.MAX_BUFFER_SIZE;

import dev.jvirtiofsd.daemon.fs.FileSystem;
import dev.jvirtiofsd.protocol.Errno;
import dev.jvirtiofsd.protocol.FuseFlags;
import dev.jvirtiofsd.protocol.GetxattrIn;
import dev.jvirtiofsd.protocol.GetxattrOut;
import dev.jvirtiofsd.protocol.InitFlags;
import dev.jvirtiofsd.protocol.OutHeader;
import dev.jvirtiofsd.protocol.SetxattrIn;

/**
 * The extended-attribute requests: SETXATTR, GETXATTR, LISTXATTR, REMOVEXATTR (served only
 * when enabled; the dispatcher answers ENOSYS otherwise).
 */
final class XattrOperations {
    private final FileSystem fs;
    private final FuseSession session;

    XattrOperations(FileSystem fs, FuseSession session) {
        this.fs = fs;
        this.session = session;
    }

    int setxattr(Exchange ex, WorkerState s) {
        boolean extended = session.negotiated(InitFlags.SETXATTR_EXT);
        int structBytes = extended ? SetxattrIn.BYTES : SetxattrIn.COMPAT_BYTES;
        if (ex.argsLength < structBytes) {
            return ex.malformed(Malformation.SHORT_ARGUMENTS, ex.argsLength);
        }
        SetxattrIn in = extended ? s.setxattrIn.decode(ex.request, ARGS) : s.setxattrIn.decodeCompat(ex.request, ARGS);
        // The name, NUL-terminated, then exactly `size` bytes of value.
        int nul = ex.nulIndex(ARGS + structBytes);
        if (nul < 0) {
            return ex.malformed(Malformation.BAD_NAME, ex.argsLength);
        }
        int valueLength = ex.argsEnd() - (nul + 1);
        if (Integer.toUnsignedLong(in.size) != valueLength) {
            return ex.malformed(Malformation.BAD_SIZE, Integer.toUnsignedLong(in.size));
        }
        byte[] name = ex.copy(ARGS + structBytes, nul);
        byte[] value = ex.copy(nul + 1, ex.argsEnd());
        s.ctx.killSuidgid = (in.setxattrFlags & FuseFlags.SETXATTR_ACL_KILL_SGID) != 0;
        return ex.replyStatus(fs.setxattr(s.ctx, ex.header.nodeid, name, value, in.flags));
    }

    int getxattr(Exchange ex, WorkerState s) {
        GetxattrIn in = s.getxattrIn.decode(ex.request, ARGS);
        byte[] name = ex.lastName(ARGS + GetxattrIn.BYTES);
        if (name == null) {
            return ex.malformed(Malformation.BAD_NAME, ex.argsLength);
        }
        long size = Integer.toUnsignedLong(in.size);
        if (size == 0) {
            return xattrLength(ex, fs.getxattr(s.ctx, ex.header.nodeid, name, null));
        }
        if (size > MAX_BUFFER_SIZE) {
            return ex.replyError(Errno.ENOMEM);
        }
        if (ex.writableBytes() < OutHeader.BYTES + size) {
            return ex.noRoom(OutHeader.BYTES + size);
        }
        byte[] value = s.xattrBuffer();
        return xattrData(ex, fs.getxattr(s.ctx, ex.header.nodeid, name, value), value, size);
    }

    int listxattr(Exchange ex, WorkerState s) {
        long size = Integer.toUnsignedLong(s.getxattrIn.decode(ex.request, ARGS).size);
        if (size == 0) {
            return xattrLength(ex, fs.listxattr(s.ctx, ex.header.nodeid, null));
        }
        if (size > MAX_BUFFER_SIZE) {
            return ex.replyError(Errno.ENOMEM);
        }
        if (ex.writableBytes() < OutHeader.BYTES + size) {
            return ex.noRoom(OutHeader.BYTES + size);
        }
        byte[] names = s.xattrBuffer();
        return xattrData(ex, fs.listxattr(s.ctx, ex.header.nodeid, names), names, size);
    }

    int removexattr(Exchange ex, WorkerState s) {
        byte[] name = ex.lastName(ARGS);
        if (name == null) {
            return ex.malformed(Malformation.BAD_NAME, ex.argsLength);
        }
        return ex.replyStatus(fs.removexattr(s.ctx, ex.header.nodeid, name));
    }

    /** The reply to a size-0 GETXATTR/LISTXATTR: the length the value would need. */
    private static int xattrLength(Exchange ex, int length) {
        if (length < 0) {
            return ex.fail(length);
        }
        if (ex.writableBytes() < OutHeader.BYTES + GetxattrOut.BYTES) {
            return ex.noRoom(OutHeader.BYTES + GetxattrOut.BYTES);
        }
        ex.reply.putInt(PAYLOAD + GetxattrOut.SIZE, length);
        ex.reply.putInt(PAYLOAD + GetxattrOut.SIZE + 4, 0); // padding
        return ex.replyOk(GetxattrOut.BYTES);
    }

    /**
     * The reply to a GETXATTR/LISTXATTR with room for {@code size} bytes. The file system filled
     * a buffer as large as any Linux value, so a value longer than the guest's room is ERANGE here.
     */
    private static int xattrData(Exchange ex, int length, byte[] data, long size) {
        if (length < 0) {
            return ex.fail(length);
        }
        if (length > data.length) {
            return ex.fileSystemBug(length);
        }
        if (length > size) {
            return ex.replyError(Errno.ERANGE);
        }
        return ex.replyData(data, length);
    }
}
