package dev.jvirtiofsd.daemon.e2e;

import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.args;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.fh;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.nodeId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvirtiofsd.daemon.e2e.FuseTestClient.Reply;
import dev.jvirtiofsd.daemon.sys.Fcntl;
import dev.jvirtiofsd.daemon.sys.FileLocks;
import dev.jvirtiofsd.daemon.sys.Syscalls;
import dev.jvirtiofsd.protocol.EntryOut;
import dev.jvirtiofsd.protocol.InitFlags;
import dev.jvirtiofsd.protocol.Opcode;
import dev.jvirtiofsd.protocol.OutHeader;
import dev.jvirtiofsd.vhostuser.frontend.FrontendOptions;
import dev.jvirtiofsd.vhostuser.frontend.PostedRequest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * POSIX record locks and flock(2) locks served on the host, through the real daemon over a real
 * socket: owners and handles exclude each other as processes and open files do, the guest and a
 * host open file description exclude each other, and a SETLKW that must wait is answered later
 * while the same queue keeps serving, ending when the lock frees, on FLUSH, RELEASE or INTERRUPT,
 * when the queue stops, or at disconnect.
 */
class LockEndToEndTest {
    static final int F_RDLCK = 0;
    static final int F_WRLCK = 1;
    static final int F_UNLCK = 2;
    static final int LK_FLOCK = 1;
    static final long TO_END = Long.MAX_VALUE;
    static final int O_RDONLY = 0;
    static final int O_RDWR = 2;
    static final int EBADF = 9;
    static final int EAGAIN = 11;
    static final int EINTR = 4;
    static final int EINVAL = 22;
    static final int ENOSYS = 38;
    static final long OWNER_A = 0xA;
    static final long OWNER_B = 0xB;
    static final long OWNER_C = 0xC;

    @TempDir
    Path tmp;
    RunningDaemon daemon;
    FuseTestClient fuse;
    Path file;
    long node;
    long fh;
    /** The INIT flags the daemon negotiated with a Linux 6.1 guest. */
    long negotiated;
    final List<Integer> hostFds = new ArrayList<>();

    /** Starts the daemon with {@code options}, opens the session and creates file "f" (handle {@link #fh}). */
    void start(String... options) throws Exception {
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        daemon = RunningDaemon.start(shared, tmp.resolve("vfs.sock"), FrontendOptions.defaults(), options);
        fuse = new FuseTestClient(daemon.frontend);
        negotiated = initFlags(fuse.init());
        Reply created = fuse.create(1, "f", 0644, O_RDWR);
        node = nodeId(created);
        fh = fh(created, EntryOut.BYTES);
        file = shared.resolve("f");
        fuse.write(node, fh, 0, "0123456789".getBytes(StandardCharsets.UTF_8)).ok();
    }

    @AfterEach
    void stop() {
        hostFds.forEach(Syscalls::close);
        if (daemon != null) {
            daemon.close();
        }
    }

    // ---- requests ----

    /** fuse_lk_in: fh, owner, lk {start, end, type, pid}, lk_flags, padding. */
    byte[] lk(int opcode, long handle, long owner, long start, long end, int type, int lkFlags) {
        return fuse.encode(opcode, node, args().u64(handle).u64(owner).u64(start).u64(end).u32(type).u32(77)
                .u32(lkFlags).u32(0));
    }

    int setlk(long handle, long owner, long start, long end, int type) throws Exception {
        return fuse.send(lk(Opcode.SETLK, handle, owner, start, end, type, 0), 64).error();
    }

    int flock(long handle, int type) throws Exception {
        return fuse.send(lk(Opcode.SETLK, handle, handle, 0, TO_END, type, LK_FLOCK), 64).error();
    }

    /** GETLK's answer: {start, end, type, pid}, or fails. */
    long[] getlk(long handle, long owner, long start, long end, int type) throws Exception {
        Reply r = fuse.send(lk(Opcode.GETLK, handle, owner, start, end, type, 0), 64);
        r.ok();
        ByteBuffer b = r.body();
        return new long[] {b.getLong(0), b.getLong(8), b.getInt(16), b.getInt(20)};
    }

    PostedRequest setlkw(long handle, long owner, long start, long end, int type, int lkFlags) {
        return daemon.frontend.post(FuseTestClient.REQUEST_QUEUE, lk(Opcode.SETLKW, handle, owner, start, end, type,
                lkFlags), 64);
    }

    /** The error of a posted request's reply, after checking it is a bare out-header. */
    static int error(PostedRequest p) throws Exception {
        byte[] reply = p.await(FuseTestClient.TIMEOUT);
        assertEquals(OutHeader.BYTES, reply.length);
        return ByteBuffer.wrap(reply).order(ByteOrder.LITTLE_ENDIAN).getInt(OutHeader.ERROR);
    }

    long open(int flags) throws Exception {
        return fh(fuse.open(node, flags), 0);
    }

    /** fuse_flush_in: fh, unused, padding, lock_owner. */
    Reply flush(long handle, long owner) throws Exception {
        return fuse.call(Opcode.FLUSH, node, args().u64(handle).u32(0).u32(0).u64(owner));
    }

    /** fuse_release_in: fh, flags, release_flags (FLOCK_UNLOCK), lock_owner. */
    Reply release(long handle) throws Exception {
        return fuse.call(Opcode.RELEASE, node, args().u64(handle).u32(O_RDWR).u32(2).u64(handle));
    }

    /** An open file description of the shared file, as a host process would have. */
    int hostFd() {
        int fd = Syscalls.openat(Fcntl.AT_FDCWD, file.toString().getBytes(StandardCharsets.UTF_8),
                Fcntl.O_RDWR | Fcntl.O_CLOEXEC, 0);
        assertTrue(fd >= 0);
        hostFds.add(fd);
        return fd;
    }

    static int hostLock(int fd, int type, long start, long length) {
        return FileLocks.setOfd(fd, new FileLocks.Range().set(type, start, length), false);
    }

    long initFlags(Reply init) {
        init.ok();
        ByteBuffer b = init.body();
        return InitFlags.combine(b.getInt(12), b.getInt(24));
    }

    // ---- the options ----

    @Test
    void withoutTheOptionsLocksStayInTheGuest() throws Exception {
        start();
        long flags = negotiated;
        assertEquals(0, flags & (InitFlags.POSIX_LOCKS | InitFlags.FLOCK_LOCKS));
        assertEquals(-ENOSYS, fuse.send(lk(Opcode.GETLK, fh, OWNER_A, 0, TO_END, F_WRLCK, 0), 64).error());
        assertEquals(-ENOSYS, setlk(fh, OWNER_A, 0, TO_END, F_WRLCK));
        assertEquals(-ENOSYS, flock(fh, F_WRLCK));
        assertEquals(-ENOSYS, error(setlkw(fh, OWNER_A, 0, TO_END, F_WRLCK, 0)));
        assertEquals(0, hostLock(hostFd(), F_WRLCK, 0, 0), "nothing was locked on the host");
    }

    @Test
    void posixLockOptionServesRecordLocksOnly() throws Exception {
        start("-o", "posix_lock");
        long flags = negotiated;
        assertEquals(InitFlags.POSIX_LOCKS, flags & (InitFlags.POSIX_LOCKS | InitFlags.FLOCK_LOCKS));
        assertEquals(0, setlk(fh, OWNER_A, 0, 9, F_WRLCK));
        assertEquals(-EAGAIN, hostLock(hostFd(), F_WRLCK, 0, 1), "the guest's lock is on the host");
        assertEquals(-ENOSYS, flock(fh, F_WRLCK));
    }

    @Test
    void flockOptionServesFlockOnly() throws Exception {
        start("--flock");
        long flags = negotiated;
        assertEquals(InitFlags.FLOCK_LOCKS, flags & (InitFlags.POSIX_LOCKS | InitFlags.FLOCK_LOCKS));
        assertEquals(-ENOSYS, setlk(fh, OWNER_A, 0, 9, F_WRLCK));
        assertEquals(0, flock(fh, F_WRLCK));
        assertEquals(-EAGAIN, FileLocks.flock(hostFd(), FileLocks.LOCK_SH | FileLocks.LOCK_NB));
    }

    // ---- POSIX record locks ----

    @Test
    void twoOwnersOnOneHandleExcludeEachOtherAndGetlkReportsTheConflict() throws Exception {
        start("--posix-lock");
        assertEquals(0, setlk(fh, OWNER_A, 0, 99, F_WRLCK));
        assertEquals(-EAGAIN, setlk(fh, OWNER_B, 50, 60, F_RDLCK));
        assertEquals(0, setlk(fh, OWNER_B, 100, TO_END, F_RDLCK), "beyond A's range");

        long[] conflict = getlk(fh, OWNER_B, 0, TO_END, F_WRLCK);
        assertEquals(0, conflict[0]);
        assertEquals(99, conflict[1]);
        assertEquals(F_WRLCK, conflict[2]);
        assertEquals(0, conflict[3], "a pid means nothing across systems");
        assertEquals(F_UNLCK, getlk(fh, OWNER_A, 0, 99, F_WRLCK)[2], "an owner does not conflict with itself");
        assertEquals(F_WRLCK, getlk(fh, OWNER_C, 0, 99, F_WRLCK)[2], "a third owner sees A's lock");

        assertEquals(0, setlk(fh, OWNER_A, 0, 99, F_UNLCK));
        assertEquals(0, setlk(fh, OWNER_B, 50, 60, F_WRLCK));
        assertEquals(-EINVAL, setlk(fh, OWNER_A, 10, 5, F_WRLCK), "end before start");
        assertEquals(-EINVAL, setlk(fh, OWNER_A, 0, 5, 9), "no such lock type");
    }

    @Test
    void ownersLockTheFileNotTheHandle() throws Exception {
        start("--posix-lock");
        long other = open(O_RDWR);
        assertEquals(0, setlk(fh, OWNER_A, 0, 9, F_WRLCK));
        assertEquals(0, setlk(other, OWNER_A, 0, 9, F_WRLCK), "the same owner through another handle: no conflict");
        assertEquals(-EAGAIN, setlk(other, OWNER_B, 0, 0, F_RDLCK));
        assertEquals(0, setlk(other, OWNER_A, 0, 9, F_UNLCK), "an unlock through any handle releases it");
        assertEquals(0, setlk(fh, OWNER_B, 0, 0, F_RDLCK));
    }

    @Test
    void aWriteLockNeedsAHandleOpenForWriting() throws Exception {
        start("--posix-lock");
        long readOnly = open(O_RDONLY);
        assertEquals(-EBADF, setlk(readOnly, OWNER_A, 0, 0, F_WRLCK));
        assertEquals(0, setlk(readOnly, OWNER_A, 0, 0, F_RDLCK));
    }

    @Test
    void theGuestAndAHostProcessExcludeEachOther() throws Exception {
        start("--posix-lock");
        int host = hostFd();
        assertEquals(0, hostLock(host, F_WRLCK, 0, 10));
        assertEquals(-EAGAIN, setlk(fh, OWNER_A, 5, 5, F_RDLCK));
        long[] conflict = getlk(fh, OWNER_A, 0, TO_END, F_RDLCK);
        assertEquals(F_WRLCK, conflict[2]);
        assertEquals(0, conflict[0]);
        assertEquals(9, conflict[1]);

        assertEquals(0, hostLock(host, F_UNLCK, 0, 0));
        assertEquals(0, setlk(fh, OWNER_A, 5, TO_END, F_WRLCK));
        assertEquals(-EAGAIN, hostLock(host, F_RDLCK, 1000, 1));
        assertEquals(0, hostLock(host, F_WRLCK, 0, 5), "before the guest's range");
    }

    @Test
    void flushOfTheOwnerDropsItsLocksAsCloseDoes() throws Exception {
        start("--posix-lock");
        assertEquals(0, setlk(fh, OWNER_A, 0, TO_END, F_WRLCK));
        flush(fh, OWNER_B).ok();
        assertEquals(-EAGAIN, hostLock(hostFd(), F_WRLCK, 0, 0), "another owner's close leaves A's lock");
        flush(fh, OWNER_A).ok();
        assertEquals(0, hostLock(hostFd(), F_WRLCK, 0, 0));
    }

    @Test
    void releaseOfTheLastHandleDropsTheLocksTakenThroughIt() throws Exception {
        start("--posix-lock");
        long other = open(O_RDWR);
        assertEquals(0, setlk(other, OWNER_A, 0, TO_END, F_WRLCK));
        release(other).ok();
        assertEquals(0, hostLock(hostFd(), F_WRLCK, 0, 0));
    }

    // ---- SETLKW ----

    @ParameterizedTest(name = "thread pool size {0}")
    @ValueSource(strings = {"0", "2"})
    void setlkwWaitsWhileTheQueueKeepsServingAndGetsTheLockWhenTheHolderUnlocks(String poolSize) throws Exception {
        start("--posix-lock", "--thread-pool-size", poolSize);
        assertEquals(0, setlk(fh, OWNER_A, 0, TO_END, F_WRLCK));
        PostedRequest waiting = setlkw(fh, OWNER_B, 0, 9, F_WRLCK, 0);

        // The single queue thread answers everything else while the SETLKW waits.
        for (int i = 0; i < 5; i++) {
            fuse.getattr(node).ok();
            fuse.read(node, fh, 0, 10).ok();
            fuse.write(node, fh, 10 + i, new byte[] {'x'}).ok();
            fuse.lookup(1, "f").ok();
            assertEquals(-EAGAIN, setlk(fh, OWNER_C, 0, 0, F_RDLCK));
        }
        assertFalse(waiting.isDone(), "the SETLKW is still waiting");

        assertEquals(0, setlk(fh, OWNER_A, 0, TO_END, F_UNLCK));
        assertEquals(0, error(waiting), "granted once A unlocked");
        assertEquals(-EAGAIN, setlk(fh, OWNER_A, 5, 5, F_RDLCK), "B holds it now");
        assertEquals(-EAGAIN, hostLock(hostFd(), F_RDLCK, 0, 1));
        assertEquals(0, hostLock(hostFd(), F_WRLCK, 10, 0), "and only its range");
    }

    @Test
    void setlkwGetsTheLockWhenAHostProcessUnlocks() throws Exception {
        start("--posix-lock");
        int host = hostFd();
        assertEquals(0, hostLock(host, F_RDLCK, 0, 0));
        PostedRequest waiting = setlkw(fh, OWNER_B, 0, TO_END, F_WRLCK, 0);
        fuse.getattr(node).ok();
        assertFalse(waiting.isDone());
        assertEquals(0, hostLock(host, F_UNLCK, 0, 0));
        assertEquals(0, error(waiting));
        assertEquals(-EAGAIN, hostLock(host, F_RDLCK, 0, 0));
    }

    @Test
    void flushOfTheWaitersOwnerEndsTheWait() throws Exception {
        start("--posix-lock");
        assertEquals(0, setlk(fh, OWNER_A, 0, 9, F_WRLCK));
        assertEquals(0, setlk(fh, OWNER_B, 100, 100, F_RDLCK));
        PostedRequest waiting = setlkw(fh, OWNER_B, 0, 9, F_WRLCK, 0);
        fuse.getattr(node).ok();
        assertFalse(waiting.isDone());

        flush(fh, OWNER_B).ok();
        assertEquals(-EBADF, error(waiting));
        assertEquals(0, setlk(fh, OWNER_C, 100, 100, F_WRLCK), "B's other locks went with the flush");
        assertEquals(0, setlk(fh, OWNER_A, 0, 9, F_UNLCK));
        assertEquals(0, setlk(fh, OWNER_C, 0, 9, F_WRLCK), "the ended wait took nothing");
    }

    @Test
    void releaseOfTheWaitersHandleEndsTheWait() throws Exception {
        start("--posix-lock");
        long other = open(O_RDWR);
        assertEquals(0, setlk(fh, OWNER_A, 0, TO_END, F_WRLCK));
        PostedRequest waiting = setlkw(other, OWNER_B, 0, 9, F_WRLCK, 0);
        fuse.getattr(node).ok();
        assertFalse(waiting.isDone());

        release(other).ok();
        assertEquals(-EBADF, error(waiting));
        assertEquals(0, setlk(fh, OWNER_A, 0, TO_END, F_UNLCK));
        assertEquals(0, hostLock(hostFd(), F_WRLCK, 0, 0), "the ended wait took nothing");
    }

    @Test
    void interruptEndsTheWaitWithEintr() throws Exception {
        start("--posix-lock");
        assertEquals(0, setlk(fh, OWNER_A, 0, TO_END, F_WRLCK));
        byte[] request = lk(Opcode.SETLKW, fh, OWNER_B, 0, 9, F_WRLCK, 0);
        long unique = ByteBuffer.wrap(request).order(ByteOrder.LITTLE_ENDIAN).getLong(8);
        PostedRequest waiting = daemon.frontend.post(FuseTestClient.REQUEST_QUEUE, request, 64);
        fuse.getattr(node).ok();
        assertFalse(waiting.isDone());

        assertEquals(0, fuse.call(Opcode.INTERRUPT, 0, args().u64(unique + 1000)).usedLength(), "no such request");
        fuse.getattr(node).ok();
        assertFalse(waiting.isDone(), "an INTERRUPT of another unique changes nothing");
        assertEquals(0, fuse.call(Opcode.INTERRUPT, 0, args().u64(unique)).usedLength(), "INTERRUPT has no reply");
        byte[] reply = waiting.await(FuseTestClient.TIMEOUT);
        ByteBuffer b = ByteBuffer.wrap(reply).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(-EINTR, b.getInt(OutHeader.ERROR));
        assertEquals(unique, b.getLong(OutHeader.UNIQUE), "the interrupted request answers");

        assertEquals(0, setlk(fh, OWNER_A, 0, TO_END, F_UNLCK));
        assertEquals(0, hostLock(hostFd(), F_WRLCK, 0, 0), "the interrupted wait took nothing");
    }

    @Test
    void stoppingTheQueueAnswersTheWaitWithEintrAndServingGoesOn() throws Exception {
        start("--posix-lock");
        assertEquals(0, setlk(fh, OWNER_A, 0, TO_END, F_WRLCK));
        PostedRequest waiting = setlkw(fh, OWNER_B, 0, 9, F_WRLCK, 0);
        fuse.getattr(node).ok();
        assertFalse(waiting.isDone());

        int base = daemon.frontend.getVringBase(FuseTestClient.REQUEST_QUEUE);
        assertTrue(waiting.isDone(), "answered before GET_VRING_BASE returned");
        assertEquals(-EINTR, error(waiting));

        daemon.frontend.restartQueue(FuseTestClient.REQUEST_QUEUE, base);
        fuse.getattr(node).ok();
        assertEquals(0, setlk(fh, OWNER_A, 0, TO_END, F_UNLCK));
        assertEquals(0, hostLock(hostFd(), F_WRLCK, 0, 0), "the cancelled wait took nothing");
    }

    @Test
    void disconnectEndsTheWaitAndTheDaemonTakesNothingAfterwards() throws Exception {
        start("--posix-lock");
        int host = hostFd();
        assertEquals(0, hostLock(host, F_WRLCK, 0, 0));
        PostedRequest waiting = setlkw(fh, OWNER_B, 0, TO_END, F_WRLCK, 0);
        fuse.getattr(node).ok();
        assertFalse(waiting.isDone());

        assertEquals(0, daemon.disconnectAndWait());
        assertEquals(0, hostLock(host, F_UNLCK, 0, 0));
        // A wait that outlived the connection would take the free lock on its next try.
        Thread.sleep(200);
        assertEquals(0, hostLock(hostFd(), F_WRLCK, 0, 0));
    }

    // ---- flock ----

    @Test
    void flockExcludesOtherOpenFilesAndHostProcessesAndWaitsWithoutBlocking() throws Exception {
        start("--flock");
        long other = open(O_RDWR);
        int host = hostFd();
        assertEquals(0, flock(fh, F_WRLCK));
        assertEquals(-EAGAIN, flock(other, F_RDLCK));
        assertEquals(-EAGAIN, FileLocks.flock(host, FileLocks.LOCK_SH | FileLocks.LOCK_NB));

        PostedRequest waiting = setlkw(other, other, 0, TO_END, F_RDLCK, LK_FLOCK);
        fuse.getattr(node).ok();
        assertFalse(waiting.isDone());
        assertEquals(0, flock(fh, F_UNLCK));
        assertEquals(0, error(waiting));
        assertEquals(0, FileLocks.flock(host, FileLocks.LOCK_SH | FileLocks.LOCK_NB), "shared with a shared lock");
        assertEquals(-EAGAIN, flock(fh, F_WRLCK));
        assertEquals(0, FileLocks.flock(host, FileLocks.LOCK_UN));

        release(other).ok();
        assertEquals(0, FileLocks.flock(host, FileLocks.LOCK_EX | FileLocks.LOCK_NB), "RELEASE drops the flock");
    }
}
