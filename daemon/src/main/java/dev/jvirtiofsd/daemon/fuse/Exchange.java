package dev.jvirtiofsd.daemon.fuse;

import dev.jvirtiofsd.daemon.fs.Attr;
import dev.jvirtiofsd.daemon.fs.Entry;
import dev.jvirtiofsd.daemon.fs.OpenResult;
import dev.jvirtiofsd.protocol.AttrOut;
import dev.jvirtiofsd.protocol.EntryOut;
import dev.jvirtiofsd.protocol.Errno;
import dev.jvirtiofsd.protocol.InHeader;
import dev.jvirtiofsd.protocol.OpenOut;
import dev.jvirtiofsd.protocol.OutHeader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One request in flight on a worker thread and the reply being built for it. The request's
 * bytes are gathered into {@link #request} (in-header at 0, arguments at {@link #ARGS}); the
 * reply's payload is encoded into {@link #reply} after room for the out-header, then the whole
 * reply is copied into the guest's writable buffers. Reused for every request of the thread.
 */
final class Exchange {
    /** Offset of the arguments in {@link #request}. */
    static final int ARGS = InHeader.BYTES;
    /** Offset of the payload in {@link #reply}. */
    static final int PAYLOAD = OutHeader.BYTES;

    private static final int INITIAL_BUFFER_BYTES = 8192;
    /** NAME_MAX: longer names are copied into arrays of their own. */
    private static final int REUSED_NAME_BYTES = 255;

    final InHeader header = new InHeader();
    private final MalformedRequestLog log;

    /** The request's bytes: the in-header, then the arguments. Grows to the largest request seen. */
    ByteBuffer request = newBuffer(INITIAL_BUFFER_BYTES);
    /** The reply being built: room for the out-header, then the payload. */
    ByteBuffer reply = newBuffer(INITIAL_BUFFER_BYTES);

    /** Name arrays reused by {@link #reusedLastName}, by length; made on first use. */
    private final byte[][] reusedNames = new byte[REUSED_NAME_BYTES + 1][];

    int queue;
    RequestMemory memory;
    /** Bytes of arguments after the in-header, without the extensions at the end. */
    int argsLength;

    Exchange(MalformedRequestLog log) {
        this.log = log;
    }

    void begin(int queue, RequestMemory memory) {
        this.queue = queue;
        this.memory = memory;
        argsLength = 0;
        header.len = 0;
        header.opcode = 0;
        header.unique = 0;
        header.nodeid = 0;
    }

    void end() {
        memory = null;
    }

    /** Offset in {@link #request} just past the arguments. */
    int argsEnd() {
        return ARGS + argsLength;
    }

    /** Grows {@link #request} to hold {@code bytes}, keeping its first {@code keep} bytes. */
    void ensureRequestCapacity(int bytes, int keep) {
        if (request.capacity() < bytes) {
            ByteBuffer larger = newBuffer(bytes);
            larger.put(0, request, 0, keep);
            request = larger;
        }
    }

    /** The reply buffer, with room for {@code payloadBytes} after the out-header. */
    ByteBuffer replyWithRoomFor(int payloadBytes) {
        if (reply.capacity() < PAYLOAD + payloadBytes) {
            reply = newBuffer(PAYLOAD + payloadBytes);
        }
        return reply;
    }

    long writableBytes() {
        return memory.writableBytes();
    }

    // ---- arguments ----

    /** Index of the first NUL in the arguments at or after {@code from}, or -1. */
    int nulIndex(int from) {
        int end = argsEnd();
        for (int i = from; i < end; i++) {
            if (request.get(i) == 0) {
                return i;
            }
        }
        return -1;
    }

    /** A copy of request bytes {@code [from, to)}. */
    byte[] copy(int from, int to) {
        byte[] bytes = new byte[to - from];
        request.get(from, bytes);
        return bytes;
    }

    /**
     * The name that fills the arguments from {@code from} to their end: its bytes without the
     * NUL, or null unless the last argument byte is its only NUL.
     */
    byte[] lastName(int from) {
        int last = argsEnd() - 1;
        if (last < from || nulIndex(from) != last) {
            return null;
        }
        return copy(from, last);
    }

    /**
     * As {@link #lastName}, but into an array this exchange reuses for every name of that length:
     * for a request with one name whose file system call does not keep it (LOOKUP), so that the
     * name costs no allocation. Valid until the thread's next request.
     */
    byte[] reusedLastName(int from) {
        int last = argsEnd() - 1;
        if (last < from || nulIndex(from) != last) {
            return null;
        }
        int length = last - from;
        if (length > REUSED_NAME_BYTES) {
            return copy(from, last);
        }
        byte[] name = reusedNames[length];
        if (name == null) {
            name = new byte[length];
            reusedNames[length] = name;
        }
        request.get(from, name);
        return name;
    }

    // ---- replies ----

    /** Sends the out-header and {@code payloadBytes} already encoded at {@link #PAYLOAD}. */
    int replyOk(int payloadBytes) {
        int total = PAYLOAD + payloadBytes;
        putOutHeader(total, 0);
        return deliver(total);
    }

    /** Sends {@code length} bytes of {@code data} as the payload. */
    int replyData(byte[] data, int length) {
        replyWithRoomFor(length).put(PAYLOAD, data, 0, length);
        return replyOk(length);
    }

    /**
     * Sends only the out-header of a reply whose {@code totalLength} includes data already
     * placed in guest memory (READ). Returns the used length.
     */
    int replyHeaderOf(int totalLength) {
        putOutHeader(totalLength, 0);
        return deliver(OutHeader.BYTES) == 0 ? 0 : totalLength;
    }

    /** Sends an error reply; an errno the kernel would not accept becomes EIO. */
    int replyError(int errno) {
        if (errno <= 0 || errno > Errno.MAX_ERRNO) {
            errno = Errno.EIO;
        }
        putOutHeader(OutHeader.BYTES, -errno);
        return deliver(OutHeader.BYTES);
    }

    /** Sends the error a file system call returned (a negative errno). */
    int fail(long negativeErrno) {
        return replyError(negativeErrno < -Errno.MAX_ERRNO ? Errno.EIO : (int) -negativeErrno);
    }

    /** Answers a file system call that returns only a status: an empty reply, or its error. */
    int replyStatus(int rc) {
        return rc < 0 ? fail(rc) : replyOk(0);
    }

    /** Answers a lookup-type call with {@code struct fuse_entry_out}, or its error. */
    int replyEntry(int rc, Entry e) {
        if (rc < 0) {
            return fail(rc);
        }
        ReplyEncoder.putEntry(reply, PAYLOAD, e);
        return replyOk(EntryOut.BYTES);
    }

    /** Answers GETATTR/SETATTR with {@code struct fuse_attr_out}, or the call's error. */
    int replyAttr(int rc, Attr a, long validSeconds) {
        if (rc < 0) {
            return fail(rc);
        }
        ReplyEncoder.putAttrOut(reply, PAYLOAD, a, validSeconds);
        return replyOk(AttrOut.BYTES);
    }

    /** Answers OPEN/OPENDIR with {@code struct fuse_open_out}, or the call's error. */
    int replyOpen(int rc, OpenResult o) {
        if (rc < 0) {
            return fail(rc);
        }
        ReplyEncoder.putOpen(reply, PAYLOAD, o);
        return replyOk(OpenOut.BYTES);
    }

    /** Logs a bad request (rate-limited) and answers EINVAL. */
    int malformed(Malformation kind, long detail) {
        report(kind, detail);
        return replyError(Errno.EINVAL);
    }

    /** Logs a bad request that gets no reply (rate-limited). */
    void report(Malformation kind, long detail) {
        log.report(queue, kind, header.opcode, header.unique, detail);
    }

    /** The reply needs {@code totalBytes}: answered EINVAL if an out-header fits, else dropped. */
    int noRoom(long totalBytes) {
        return writableBytes() >= OutHeader.BYTES ? malformed(Malformation.NO_ROOM, totalBytes) : drop(totalBytes);
    }

    /** A file system result that breaks the contract (e.g. more bytes than asked for): EIO. */
    int fileSystemBug(long result) {
        report(Malformation.BAD_FS_RESULT, result);
        return replyError(Errno.EIO);
    }

    private int drop(long totalBytes) {
        report(Malformation.NO_ROOM, totalBytes);
        return 0;
    }

    private void putOutHeader(int length, int error) {
        reply.putInt(OutHeader.LEN, length);
        reply.putInt(OutHeader.ERROR, error);
        reply.putLong(OutHeader.UNIQUE, header.unique);
    }

    private int deliver(int length) {
        if (writableBytes() < length) {
            return drop(length);
        }
        reply.limit(length).position(0);
        int written = memory.write(0, reply);
        reply.clear();
        return written == length ? length : drop(length);
    }

    private static ByteBuffer newBuffer(int bytes) {
        return ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
