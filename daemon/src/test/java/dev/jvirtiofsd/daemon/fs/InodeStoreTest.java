package dev.jvirtiofsd.daemon.fs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jvirtiofsd.daemon.sys.Errno;
import dev.jvirtiofsd.daemon.sys.Fcntl;
import dev.jvirtiofsd.daemon.sys.FileMode;
import dev.jvirtiofsd.daemon.sys.ProcSelfFd;
import dev.jvirtiofsd.daemon.sys.Stat;
import dev.jvirtiofsd.daemon.sys.Syscalls;

/** Node ids, lookup counts and pins of {@link InodeStore}, and the handle table's ownership check. */
class InodeStoreTest {
    @TempDir
    Path dir;

    private int opath(Path p) {
        int fd = Syscalls.openat(Fcntl.AT_FDCWD, p.toString().getBytes(UTF_8), Fcntl.O_PATH | Fcntl.O_CLOEXEC, 0);
        assertTrue(fd >= 0);
        return fd;
    }

    private static Stat stat(int fd) {
        Stat st = new Stat();
        assertEquals(0, Syscalls.fstat(fd, st));
        return st;
    }

    /** Whether {@code fd} is open on {@code p} (a closed number may be reused by someone else). */
    private static boolean isOpenOn(int fd, Path p) {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).equals(p);
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void aPinnedInodeKeepsItsFdUntilTheLastRequestEnds() throws IOException {
        Path file = Files.writeString(dir.resolve("f"), "");
        InodeStore store = new InodeStore();
        int fd = opath(file);
        Inode inode = store.addLookup(fd, stat(fd));
        Inode inUse = store.acquire(inode.id);
        assertSame(inode, inUse);
        store.forget(inode.id, 1);
        assertNull(store.acquire(inode.id), "gone for new requests");
        assertTrue(isOpenOn(fd, file), "but still open for the request holding it");
        inUse.unpin();
        assertFalse(isOpenOn(fd, file), "closed with the last pin");
        assertEquals(-Errno.EBADF, inode.pin(), "never pinned again");
        assertEquals(-Errno.EBADF, InodeStore.failure(), "why the acquire failed");
    }

    @Test
    void aForgottenFileLookedUpAgainGetsANewNode() throws IOException {
        Path file = Files.writeString(dir.resolve("f"), "");
        InodeStore store = new InodeStore();
        int fd1 = opath(file);
        Inode first = store.addLookup(fd1, stat(fd1));
        store.forget(first.id, 1);
        int fd2 = opath(file);
        Inode second = store.addLookup(fd2, stat(fd2));
        assertNotEquals(first.id, second.id);
        assertEquals(1, second.lookupCount());
        assertTrue(isOpenOn(fd2, file));
    }

    @Test
    void concurrentLookupsAndForgetsBalance() throws Exception {
        List<Path> files = new ArrayList<>();
        List<Long> inos = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Path p = Files.writeString(dir.resolve("f" + i), "");
            files.add(p);
            inos.add(FsFixture.unixLong(p, "ino"));
        }
        InodeStore store = new InodeStore();
        int threads = 8;
        int rounds = 2000;
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger failures = new AtomicInteger();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int seed = t;
            Thread worker = new Thread(() -> {
                try {
                    start.await();
                    for (int r = 0; r < rounds; r++) {
                        int which = (seed + r) % files.size();
                        int fd = opath(files.get(which));
                        Inode inode = store.addLookup(fd, stat(fd));
                        Inode pinned = store.acquire(inode.id);
                        if (pinned == null) {
                            failures.incrementAndGet(); // we hold a lookup: it cannot be gone
                        } else {
                            if (stat(pinned.fd()).ino != inos.get(which)) {
                                failures.incrementAndGet(); // the node's fd must be open on its file
                            }
                            pinned.unpin();
                        }
                        store.forget(inode.id, 1);
                    }
                } catch (InterruptedException e) {
                    failures.incrementAndGet();
                }
            });
            workers.add(worker);
            worker.start();
        }
        long fdsBefore = FsFixture.openFdCount();
        start.countDown();
        for (Thread worker : workers) {
            worker.join();
        }
        assertEquals(0, failures.get());
        assertEquals(0, store.size(), "every lookup was forgotten");
        assertTrue(FsFixture.openFdCount() <= fdsBefore, "no fd leaked");
    }

    @Test
    void aHandleInodeOpensOneFdWhileRequestsHoldItAndReleasesItsMountLast() throws Exception {
        Path file = Files.writeString(dir.resolve("f"), "");
        InodeStore store = new InodeStore();
        try (ProcSelfFd proc = ProcSelfFd.open()) {
            MountFds mounts = new MountFds(proc);
            int fd = opath(file);
            Stat st = stat(fd);
            byte[] buffer = new byte[Syscalls.FILE_HANDLE_SIZE];
            int mountId = Syscalls.nameToHandle(fd, buffer);
            assertTrue(mountId >= 0, "name_to_handle_at: " + mountId);
            FileHandle handle = FileHandle.copyOf(buffer, mountId);
            InodeKey key = InodeStore.keyOf(st);
            int dirFd = opath(dir);
            Inode inode = store.addLookup(handle, mounts.acquire(mountId, dirFd, FileMode.S_IFDIR), key,
                    st.fileType());
            Syscalls.close(dirFd);
            Syscalls.close(fd);
            assertEquals(-1, inode.fd(), "no fd between requests");
            assertEquals(1, mounts.size());
            assertSame(inode, store.addLookupOfKnown(key, handle), "found by its handle");
            assertSame(inode, store.addLookup(handle, mounts.acquire(mountId, -1, FileMode.S_IFDIR), key,
                    st.fileType()), "the same handle, the same node");
            assertEquals(3, inode.lookupCount());

            Inode first = store.acquire(inode.id);
            Inode second = store.acquire(inode.id);
            assertSame(inode, first);
            int shared = first.fd();
            assertEquals(shared, second.fd(), "concurrent requests share one fd");
            assertEquals(st.ino, stat(shared).ino, "opened by handle on the file");
            first.unpin();
            assertTrue(isOpenOn(shared, file), "open while a request holds it");
            store.forget(inode.id, 3);
            assertNull(store.acquire(inode.id), "gone for new requests");
            assertEquals(1, mounts.size(), "the mount fd stays while a request holds the inode");
            second.unpin();
            assertFalse(isOpenOn(shared, file), "closed with the last request");
            assertEquals(0, mounts.size(), "and the mount fd with the last inode on the mount");
        }
    }

    @Test
    void handlesBelongToTheirNode() throws IOException {
        Path file = Files.writeString(dir.resolve("f"), "");
        HandleTable handles = new HandleTable();
        int fd = Syscalls.openat(Fcntl.AT_FDCWD, file.toString().getBytes(UTF_8), Fcntl.O_RDONLY | Fcntl.O_CLOEXEC, 0);
        long fh = handles.add(7, fd);
        assertEquals(0, fh);
        assertNull(handles.acquire(fh, 8));
        Handle h = handles.acquire(fh, 7);
        assertEquals(fd, h.fd);
        assertFalse(handles.remove(fh, 8));
        assertTrue(handles.remove(fh, 7));
        assertTrue(isOpenOn(fd, file), "the request still using it keeps it open");
        h.unpin();
        assertFalse(isOpenOn(fd, file));
        assertFalse(handles.remove(fh, 7));
        assertEquals(1, handles.add(7, Syscalls.dup(0)), "ids are not reused");
        handles.clear();
        assertEquals(0, handles.size());
    }
}
