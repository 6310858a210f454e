package dev.jvirtiofsd.daemon.fuse;

import static dev.jvirtiofsd.daemon.fuse.Exchange.ARGS;
import static dev.jvirtiofsd.daemon.fuse.Exchange.PAYLOAD;

import dev.jvirtiofsd.daemon.fs.FileSystem;
import dev.jvirtiofsd.daemon.fs.LockSpec;
import dev.jvirtiofsd.daemon.fs.LockWait;
import dev.jvirtiofsd.protocol.Errno;
import dev.jvirtiofsd.protocol.FileLock;
import dev.jvirtiofsd.protocol.FuseFlags;
import dev.jvirtiofsd.protocol.InterruptIn;
import dev.jvirtiofsd.protocol.LkIn;
import dev.jvirtiofsd.protocol.LkOut;
import dev.jvirtiofsd.protocol.OutHeader;
import dev.jvirtiofsd.vhostuser.DeferredCompletion;
import dev.jvirtiofsd.vhostuser.VirtioDevice;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.ConcurrentHashMap;

/**
 * GETLK, SETLK, SETLKW and INTERRUPT. Locks are served only when the configuration offers them
 * (POSIX_LOCKS for record locks, FLOCK_LOCKS for flock); otherwise these answer ENOSYS and the
 * guest keeps its locks to itself, as with the Rust virtiofsd.
 *
 * <p>A SETLKW that must wait does not hold its thread: its chain is deferred and the reply is
 * written when the file system ends the wait (lock granted, or the guest let go of the file or
 * owner), when an INTERRUPT names its unique (EINTR), or when the queue stops (EINTR; the guest
 * kernel turns EINTR of a lock request into a restart when a signal is pending).
 */
final class LockOperations {
    private final FileSystem fs;
    private final FuseServerConfig config;
    /** Waiting SETLKW requests by unique, for INTERRUPT. */
    private final ConcurrentHashMap<Long, PendingLock> pending = new ConcurrentHashMap<>();

    LockOperations(FileSystem fs, FuseServerConfig config) {
        this.fs = fs;
        this.config = config;
    }

    int getlk(Exchange ex, WorkerState s) {
        if (!config.posixLocks()) {
            return ex.replyError(Errno.ENOSYS);
        }
        LkIn in = new LkIn().decode(ex.request, ARGS);
        LockSpec lock = spec(in);
        int rc = fs.getlk(s.ctx, ex.header.nodeid, in.fh, in.owner, lock);
        if (rc < 0) {
            return ex.fail(rc);
        }
        LkOut out = new LkOut();
        out.lk.start = lock.start;
        out.lk.end = lock.end;
        out.lk.type = lock.type;
        out.lk.pid = lock.pid;
        out.encode(ex.reply, PAYLOAD);
        return ex.replyOk(LkOut.BYTES);
    }

    int setlk(Exchange ex, WorkerState s, boolean sleep) {
        LkIn in = new LkIn().decode(ex.request, ARGS);
        boolean flock = (in.lkFlags & FuseFlags.LK_FLOCK) != 0;
        if (flock ? !config.flockLocks() : !config.posixLocks()) {
            return ex.replyError(Errno.ENOSYS);
        }
        LockSpec lock = spec(in);
        long node = ex.header.nodeid;
        // Only a chain can be answered later; any other request memory gets SETLK's answer.
        ChainMemory chain = ex.memory instanceof ChainMemory c ? c : null;
        if (!sleep || chain == null || in.lk.type == LockSpec.F_UNLCK) {
            return ex.replyStatus(fs.setlk(s.ctx, node, in.fh, in.owner, lock, flock, null));
        }
        if (ex.writableBytes() < OutHeader.BYTES) {
            return ex.noRoom(OutHeader.BYTES);
        }
        long unique = ex.header.unique;
        PendingLock wait = new PendingLock(unique);
        synchronized (wait) {
            int rc = fs.setlk(s.ctx, node, in.fh, in.owner, lock, flock, wait);
            if (rc != FileSystem.LOCK_PENDING) {
                return ex.replyStatus(rc);
            }
            DeferredCompletion completion = chain.defer();
            wait.completion = completion;
            completion.onCancel(() -> wait.end(-Errno.EINTR));
            pending.putIfAbsent(unique, wait);
            return VirtioDevice.DEFERRED;
        }
    }

    /** INTERRUPT: ends the named SETLKW's wait with EINTR. No reply (the interrupted request answers). */
    int interrupt(Exchange ex) {
        InterruptIn in = new InterruptIn().decode(ex.request, ARGS);
        PendingLock wait = pending.get(in.unique);
        if (wait != null) {
            wait.end(-Errno.EINTR);
        }
        return 0;
    }

    /** Number of SETLKW requests waiting (for tests). */
    int waiting() {
        return pending.size();
    }

    private static LockSpec spec(LkIn in) {
        FileLock lk = in.lk;
        return new LockSpec().set(lk.start, lk.end, lk.type, lk.pid);
    }

    /** A deferred SETLKW: its outcome becomes the reply in its chain. */
    private final class PendingLock extends LockWait {
        private final long unique;
        /** Set under this object's monitor before anyone can end the wait. */
        DeferredCompletion completion;

        PendingLock(long unique) {
            this.unique = unique;
        }

        @Override
        protected void onEnd(int result) {
            pending.remove(unique, this);
            DeferredCompletion c = completion;
            if (c == null) {
                return; // ended before the chain was deferred: the request was answered directly
            }
            int error = result >= 0 ? 0 : result < -Errno.MAX_ERRNO ? -Errno.EIO : result;
            ByteBuffer reply = ByteBuffer.allocate(OutHeader.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            reply.putInt(OutHeader.LEN, OutHeader.BYTES);
            reply.putInt(OutHeader.ERROR, error);
            reply.putLong(OutHeader.UNIQUE, unique);
            int written = c.chain().write(0, reply);
            c.complete(written == OutHeader.BYTES ? written : 0);
        }
    }
}
