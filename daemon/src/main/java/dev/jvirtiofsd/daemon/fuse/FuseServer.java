package dev.jvirtiofsd.daemon.fuse;

import dev.jvirtiofsd.daemon.fs.FileSystem;
import dev.jvirtiofsd.protocol.Errno;
import dev.jvirtiofsd.protocol.InHeader;
import dev.jvirtiofsd.protocol.Opcode;
import dev.jvirtiofsd.protocol.WriteIn;
import dev.jvirtiofsd.vhostuser.DescriptorChain;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves FUSE requests held in guest memory: frames each request (in-header, exact length,
 * extensions), keeps the session state (requests before INIT answer EIO), hands the request to
 * the {@link OperationDispatcher}, and guarantees that nothing the guest sends can make it
 * throw: a malformed request gets an error reply (EINVAL, or EIO where nothing better fits) and
 * a rate-limited log line, and the queue keeps going.
 *
 * <p>Called concurrently from the queue worker threads; per-thread state (buffers, decoders)
 * lives in a ThreadLocal, so serving READ and WRITE allocates nothing.
 */
public final class FuseServer {
    private static final Logger LOG = LoggerFactory.getLogger(FuseServer.class);

    /** Longer requests answer ENOMEM: 1 MiB of data plus 4 KiB of headers, as in the Rust virtiofsd. */
    public static final int MAX_REQUEST_BYTES = OperationDispatcher.MAX_BUFFER_SIZE + 4096;
    /** What is gathered of a WRITE (and read first of every request): the in-header and fuse_write_in. */
    private static final int FIRST_READ_BYTES = InHeader.BYTES + WriteIn.BYTES;

    private final FileSystem fs;
    private final FuseSession session = new FuseSession();
    private final MalformedRequestLog log = new MalformedRequestLog();
    private final OperationDispatcher dispatcher;
    private final Set<ChainMemory> withNativeMemory = ConcurrentHashMap.newKeySet();
    private final ThreadLocal<WorkerState> workerStates;

    public FuseServer(FileSystem fs, FuseServerConfig config) {
        this.fs = Objects.requireNonNull(fs, "fs");
        this.dispatcher = new OperationDispatcher(fs, Objects.requireNonNull(config, "config"), session);
        this.workerStates = ThreadLocal.withInitial(() -> new WorkerState(fs, log, withNativeMemory));
    }

    /**
     * Serves the request in {@code chain} and writes the reply into its writable part. Never
     * throws. Returns the used length: the reply's bytes, or 0 when no reply is written.
     */
    public int handle(int queue, DescriptorChain chain) {
        WorkerState s = workerStates.get();
        try {
            return handle(queue, s.chainMemory.wrap(chain), s);
        } finally {
            s.chainMemory.release();
        }
    }

    /** As {@link #handle(int, DescriptorChain)}, for a request in any {@link RequestMemory}. */
    public int handle(int queue, RequestMemory memory) {
        return handle(queue, memory, workerStates.get());
    }

    /** Whether an INIT has opened a session that no DESTROY or reset has closed. */
    public boolean sessionOpen() {
        return session.isOpen();
    }

    /** The INIT flags negotiated for the current session (0 without one). */
    public long negotiatedFlags() {
        return session.flags();
    }

    /**
     * Ends the session after a device reset or disconnect: the file system drops every inode
     * and handle, and the workers' native buffers are freed. Call only when no request is being
     * served (every queue stopped).
     */
    public void reset() {
        session.end();
        fs.destroy();
        for (ChainMemory m : withNativeMemory) {
            m.closeIovecs();
        }
    }

    private int handle(int queue, RequestMemory memory, WorkerState s) {
        Exchange ex = s.exchange;
        ex.begin(queue, memory);
        try {
            return serve(ex, s);
        } catch (Throwable t) {
            // A bug, or a file system that broke its contract: keep the queue alive.
            log.reportException(queue, ex.header.opcode, ex.header.unique, t);
            return errorAfterException(ex);
        } finally {
            ex.end();
        }
    }

    private int serve(Exchange ex, WorkerState s) {
        RequestMemory memory = ex.memory;
        long readable = memory.readableBytes();
        if (readable < InHeader.BYTES) {
            return ex.malformed(Malformation.SHORT_HEADER, readable);
        }
        int first = (int) Math.min(readable, FIRST_READ_BYTES);
        if (!gather(ex, 0, first)) {
            return ex.replyError(Errno.EIO);
        }
        InHeader h = ex.header.decode(ex.request, 0);
        long length = Integer.toUnsignedLong(h.len);
        if (length > MAX_REQUEST_BYTES) {
            ex.report(Malformation.TOO_LARGE, length);
            return OperationDispatcher.hasReply(h.opcode) ? ex.replyError(Errno.ENOMEM) : 0;
        }
        if (length != readable) {
            return malformed(ex, Malformation.LENGTH_MISMATCH, readable);
        }
        int extensionBytes = h.totalExtlen * 8;
        if (extensionBytes > length - InHeader.BYTES) {
            return malformed(ex, Malformation.BAD_EXTENSIONS, extensionBytes);
        }
        ex.argsLength = (int) length - InHeader.BYTES - extensionBytes;
        // A WRITE's data stays in guest memory; everything else is gathered whole.
        int gathered = h.opcode == Opcode.WRITE ? first : (int) length;
        if (gathered > first) {
            ex.ensureRequestCapacity(gathered, first);
            if (!gather(ex, first, gathered)) {
                return ex.replyError(Errno.EIO);
            }
        }
        if (!session.isOpen() && h.opcode != Opcode.INIT) {
            return OperationDispatcher.hasReply(h.opcode) ? ex.replyError(Errno.EIO) : 0;
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("queue {}: {} unique {} node {} uid {} gid {} pid {} length {}", ex.queue, Opcode.name(h.opcode),
                h.unique, h.nodeid, Integer.toUnsignedString(h.uid), Integer.toUnsignedString(h.gid), h.pid, length);
        }
        s.ctx.set(h.uid, h.gid, h.pid);
        if (extensionBytes > 0 && RequestExtensions.appliesTo(h.opcode)
            && !RequestExtensions.decode(ex.request, ex.argsEnd(), (int) length, session.flags(), s.ctx)) {
            return ex.malformed(Malformation.BAD_EXTENSION_RECORD, extensionBytes);
        }
        return dispatcher.dispatch(ex, s);
    }

    /** Copies request bytes {@code [from, to)} into the scratch buffer; false if the memory held fewer. */
    private static boolean gather(Exchange ex, int from, int to) {
        ByteBuffer b = ex.request;
        b.limit(to).position(from);
        int n = ex.memory.read(from, b);
        b.clear();
        return n == to - from;
    }

    /** A bad request: EINVAL if it expects a reply, else only the log line. */
    private static int malformed(Exchange ex, Malformation kind, long detail) {
        if (OperationDispatcher.hasReply(ex.header.opcode)) {
            return ex.malformed(kind, detail);
        }
        ex.report(kind, detail);
        return 0;
    }

    private static int errorAfterException(Exchange ex) {
        if (ex.memory == null || !OperationDispatcher.hasReply(ex.header.opcode)) {
            return 0;
        }
        try {
            return ex.replyError(Errno.EIO);
        } catch (Throwable again) {
            return 0;
        }
    }
}
