package dev.jvirtiofsd.daemon.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvirtiofsd.daemon.sys.Errno;
import dev.jvirtiofsd.daemon.sys.Fcntl;
import dev.jvirtiofsd.daemon.sys.FileLocks;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The lock table's bounds and contract at the file-system seam, without a FUSE server. */
class LockTableTest {
    private FsFixture f;
    private long node;
    private long fh;

    /** A wait that records its outcome. */
    static final class RecordingWait extends LockWait {
        final CompletableFuture<Integer> result = new CompletableFuture<>();

        @Override
        protected void onEnd(int value) {
            result.complete(value);
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        f = FsFixture.create(b -> b.posixLocks(true).flockLocks(true));
        Entry e = new Entry();
        OpenResult o = new OpenResult();
        assertEquals(0, f.fs.create(f.ctx, FsFixture.ROOT, FsFixture.b("f"), 0644, Fcntl.O_RDWR, 0, e, o));
        node = e.nodeId;
        fh = o.fh;
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
    }

    private int setlk(long owner, long start, long end, int type, LockWait wait) {
        return f.fs.setlk(f.ctx, node, fh, owner, new LockSpec().set(start, end, type, 1), false, wait);
    }

    @Test
    void lockOwnersBeyondTheBoundGetEnolckAndAFlushFreesASlot() {
        for (int owner = 0; owner < LockTable.MAX_OWNER_FILES; owner++) {
            assertEquals(0, setlk(owner, owner, owner, LockSpec.F_WRLCK, null), "owner " + owner);
        }
        assertEquals(-FileLocks.ENOLCK, setlk(LockTable.MAX_OWNER_FILES, 0, 0, LockSpec.F_WRLCK, null));
        assertEquals(0, f.fs.flush(f.ctx, node, fh, 7));
        assertEquals(0, setlk(LockTable.MAX_OWNER_FILES, 7, 7, LockSpec.F_WRLCK, null), "owner 7's range is free");
    }

    @Test
    void waitsBeyondTheBoundGetEnolckAndTheSessionEndEndsTheRestWithEintr() throws Exception {
        assertEquals(0, setlk(0, 0, LockSpec.TO_END, LockSpec.F_WRLCK, null));
        List<RecordingWait> waits = new ArrayList<>();
        for (int i = 1; i <= LockWaiter.MAX_WAITS; i++) {
            RecordingWait w = new RecordingWait();
            synchronized (w) {
                assertEquals(FileSystem.LOCK_PENDING, setlk(i, 0, 0, LockSpec.F_RDLCK, w), "wait " + i);
            }
            waits.add(w);
        }
        assertEquals(-FileLocks.ENOLCK, setlk(LockWaiter.MAX_WAITS + 1, 0, 0, LockSpec.F_RDLCK, new RecordingWait()));
        assertEquals(-Errno.EAGAIN, setlk(LockWaiter.MAX_WAITS + 1, 0, 0, LockSpec.F_RDLCK, null), "SETLK never waits");

        f.fs.destroy();
        for (RecordingWait w : waits) {
            assertEquals(-Errno.EINTR, w.result.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void aWaitEndedByItsMakerIsNeverGranted() throws Exception {
        assertEquals(0, setlk(1, 0, 0, LockSpec.F_WRLCK, null));
        RecordingWait w = new RecordingWait();
        synchronized (w) {
            assertEquals(FileSystem.LOCK_PENDING, setlk(2, 0, 0, LockSpec.F_WRLCK, w));
        }
        assertTrue(w.end(-Errno.EINTR));
        assertFalse(w.end(0), "a wait ends once");
        assertEquals(0, setlk(1, 0, 0, LockSpec.F_UNLCK, null));
        // Give the waiter rounds in which a wait it still held would take the now free range.
        Thread.sleep(4 * LockWaiter.MAX_PAUSE_MILLIS);
        assertEquals(0, setlk(3, 0, 0, LockSpec.F_WRLCK, null), "nobody took the range for the ended wait");
        assertEquals(-Errno.EINTR, w.result.get(1, TimeUnit.SECONDS));
    }

    @Test
    void disabledLocksAnswerEnosys() throws Exception {
        try (FsFixture off = FsFixture.create()) {
            Entry e = new Entry();
            OpenResult o = new OpenResult();
            assertEquals(0, off.fs.create(off.ctx, FsFixture.ROOT, FsFixture.b("f"), 0644, Fcntl.O_RDWR, 0, e, o));
            LockSpec lock = new LockSpec().set(0, 0, LockSpec.F_WRLCK, 1);
            assertEquals(-FileSystem.ENOSYS, off.fs.getlk(off.ctx, e.nodeId, o.fh, 1, lock));
            assertEquals(-FileSystem.ENOSYS, off.fs.setlk(off.ctx, e.nodeId, o.fh, 1, lock, false, null));
            assertEquals(-FileSystem.ENOSYS, off.fs.setlk(off.ctx, e.nodeId, o.fh, 1, lock, true, null));
        }
    }
}
