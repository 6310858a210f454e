package dev.jvirtiofsd.daemon.fs;

import static dev.jvirtiofsd.daemon.fs.FsFixture.ROOT;
import static dev.jvirtiofsd.daemon.fs.FsFixture.b;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.jvirtiofsd.daemon.CachePolicy;
import dev.jvirtiofsd.daemon.sys.Errno;
import dev.jvirtiofsd.daemon.sys.Fcntl;
import dev.jvirtiofsd.daemon.sys.FileMode;
import dev.jvirtiofsd.daemon.sys.NativeBuffer;

/** OPEN, CREATE, READ, WRITE, FLUSH, FSYNC, RELEASE, FALLOCATE, LSEEK, STATFS, ACCESS, SYNCFS. */
class FileIoTest {
    private FsFixture f;
    private NativeBuffer memory;
    private NativeBuffer iovecs;

    @BeforeEach
    void setUp() throws IOException {
        f = FsFixture.create();
        memory = NativeBuffer.allocate(1 << 20);
        iovecs = NativeBuffer.allocate(16 * 16);
    }

    @AfterEach
    void tearDown() throws IOException {
        iovecs.close();
        memory.close();
        f.close();
    }

    /** Guest memory holding {@code data} in two iovecs (split in the middle). */
    private long write(long node, long fh, long offset, String data, int fileFlags) {
        byte[] bytes = data.getBytes(UTF_8);
        memory.put(0, bytes, 0, bytes.length);
        int half = bytes.length / 2;
        iovecs.putIovec(0, memory.address(), half);
        iovecs.putIovec(1, memory.address() + 4096, bytes.length - half);
        memory.put(4096, bytes, half, bytes.length - half);
        return f.fs.write(f.ctx, node, fh, offset, bytes.length, 0, fileFlags, iovecs.address(), 2);
    }

    private String read(long node, long fh, long offset, int size) {
        iovecs.putIovec(0, memory.address(), size);
        long n = f.fs.read(f.ctx, node, fh, offset, size, iovecs.address(), 1);
        assertTrue(n >= 0, "read: " + n);
        byte[] out = new byte[(int) n];
        memory.get(0, out, 0, out.length);
        return new String(out, UTF_8);
    }

    @Test
    void createWriteReadRelease() throws IOException {
        long before = f.sharedFdCount();
        Entry e = new Entry();
        OpenResult o = new OpenResult();
        assertEquals(0, f.fs.create(f.ctx, ROOT, b("file"), FileMode.S_IFREG | 0640, Fcntl.O_RDWR, 0, e, o));
        assertEquals(0, o.fh, "handle ids start at 0");
        assertEquals(0640, e.attr.mode & 07777);
        assertEquals(FileMode.S_IFREG, e.attr.mode & FileMode.S_IFMT);
        assertEquals(1, f.fs.lookupCount(e.nodeId));
        assertEquals(e.nodeId, f.lookup(ROOT, "file").nodeId, "create registered the node");
        assertEquals(11, write(e.nodeId, o.fh, 0, "hello world", Fcntl.O_RDWR));
        assertEquals("hello world", Files.readString(f.shared.resolve("file")));
        assertEquals("world", read(e.nodeId, o.fh, 6, 100));
        assertEquals("", read(e.nodeId, o.fh, 11, 100), "at end of file");
        assertEquals(0, f.fs.flush(f.ctx, e.nodeId, o.fh, 0));
        assertEquals(0, f.fs.fsync(f.ctx, e.nodeId, o.fh, false));
        assertEquals(0, f.fs.fsync(f.ctx, e.nodeId, o.fh, true));
        assertEquals(before + 2, f.sharedFdCount());
        assertEquals(0, f.fs.release(f.ctx, e.nodeId, o.fh, 0));
        assertEquals(before + 1, f.sharedFdCount(), "release closes the handle's fd");
        assertEquals(-Errno.EBADF, f.fs.release(f.ctx, e.nodeId, o.fh, 0));
        assertEquals(-Errno.EBADF, f.fs.read(f.ctx, e.nodeId, o.fh, 0, 10, iovecs.address(), 1));
    }

    @Test
    void createOfAnExistingName() throws IOException {
        Files.writeString(f.shared.resolve("old"), "old content");
        Entry e = new Entry();
        OpenResult o = new OpenResult();
        assertEquals(-Errno.EEXIST, f.fs.create(f.ctx, ROOT, b("old"), 0644, Fcntl.O_RDWR | Fcntl.O_EXCL, 0, e, o),
                "the guest asked O_EXCL");
        assertEquals(0, f.fs.create(f.ctx, ROOT, b("old"), 0644, Fcntl.O_RDWR, 0, e, o), "without O_EXCL: opened");
        assertEquals("old content", read(e.nodeId, o.fh, 0, 100));
        assertEquals(1, f.fs.lookupCount(e.nodeId));
        assertEquals(0, f.fs.create(f.ctx, ROOT, b("old"), 0644, Fcntl.O_RDWR | Fcntl.O_TRUNC, 0, e, o));
        assertEquals(0, Files.size(f.shared.resolve("old")), "O_TRUNC of the existing file");
        Files.createDirectory(f.shared.resolve("dir"));
        int nodes = f.fs.inodeCount();
        assertEquals(-Errno.EISDIR, f.fs.create(f.ctx, ROOT, b("dir"), 0644, Fcntl.O_RDWR, 0, e, o));
        assertEquals(nodes, f.fs.inodeCount(), "the failed open gave its lookup back");
    }

    @Test
    void createNeverOpensAFifoOrFollowsASymlink() throws IOException {
        Entry fifo = new Entry();
        assertEquals(0, f.fs.mknod(f.ctx, ROOT, b("fifo"), FileMode.S_IFIFO | 0600, 0, 0, fifo));
        Entry e = new Entry();
        OpenResult o = new OpenResult();
        assertEquals(-Errno.EBADF, f.fs.create(f.ctx, ROOT, b("fifo"), 0644, Fcntl.O_RDWR, 0, e, o),
                "an existing fifo is not opened (it would block)");
        Files.createSymbolicLink(f.shared.resolve("link"), f.canary);
        assertEquals(-Errno.ELOOP, f.fs.create(f.ctx, ROOT, b("link"), 0644, Fcntl.O_RDWR | Fcntl.O_TRUNC, 0, e, o),
                "as open(O_CREAT | O_NOFOLLOW) answers for a symlink");
        assertEquals("canary", Files.readString(f.canary));
    }

    @Test
    void openReopensTheNodeAndChecksTheHandlesNode() throws IOException {
        Files.writeString(f.shared.resolve("a"), "AAAA");
        Files.writeString(f.shared.resolve("b"), "BBBB");
        long a = f.lookup(ROOT, "a").nodeId;
        long b = f.lookup(ROOT, "b").nodeId;
        long fhA = f.open(a, Fcntl.O_RDONLY);
        long fhB = f.open(b, Fcntl.O_RDWR);
        assertEquals(fhA + 1, fhB);
        assertEquals("AAAA", read(a, fhA, 0, 4));
        assertEquals(-Errno.EBADF, f.fs.read(f.ctx, b, fhA, 0, 4, iovecs.address(), 1), "handle of another node");
        assertEquals(-Errno.EBADF, f.fs.flush(f.ctx, b, fhA, 0));
        assertEquals(-Errno.EBADF, f.fs.release(f.ctx, b, fhA, 0));
        assertEquals(-Errno.EBADF, write(a, fhA, 0, "x", 0), "a read-only handle refuses writes");
        assertEquals(-Errno.EBADF, f.fs.read(f.ctx, a, 777, 0, 4, iovecs.address(), 1), "unknown handle");
        assertEquals(-Errno.EBADF, f.fs.open(f.ctx, 999, Fcntl.O_RDONLY, new OpenResult()), "unknown node");
        Files.writeString(f.shared.resolve("a"), "new", java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
        long fh = f.open(a, Fcntl.O_RDONLY);
        assertEquals("new", read(a, fh, 0, 10));
    }

    @Test
    void specialFilesAreNeverOpened() throws IOException {
        Entry fifo = new Entry();
        assertEquals(0, f.fs.mknod(f.ctx, ROOT, b("fifo"), FileMode.S_IFIFO | 0600, 0, 0, fifo));
        Entry link = new Entry();
        assertEquals(0, f.fs.symlink(f.ctx, ROOT, b("link"), b("fifo"), link));
        assertEquals(-Errno.EBADF, f.fs.open(f.ctx, fifo.nodeId, Fcntl.O_RDONLY, new OpenResult()));
        assertEquals(-Errno.ELOOP, f.fs.open(f.ctx, link.nodeId, Fcntl.O_RDONLY, new OpenResult()),
                "as open(O_NOFOLLOW) answers for a symlink");
        assertEquals(-Errno.EBADF, f.fs.opendir(f.ctx, fifo.nodeId, Fcntl.O_RDONLY, new OpenResult()));
        assertEquals(-Errno.EBADF, f.fs.syncfs(f.ctx, fifo.nodeId));
    }

    @Test
    void directoriesAndFilesOpenOnlyAsWhatTheyAre() throws IOException {
        Files.createDirectory(f.shared.resolve("d"));
        Files.writeString(f.shared.resolve("file"), "");
        long d = f.lookup(ROOT, "d").nodeId;
        long file = f.lookup(ROOT, "file").nodeId;
        assertEquals(-Errno.ENOTDIR, f.fs.opendir(f.ctx, file, Fcntl.O_RDONLY, new OpenResult()));
        assertEquals(-Errno.EISDIR, f.fs.open(f.ctx, d, Fcntl.O_RDWR, new OpenResult()));
    }

    @Test
    void appendWritesGoToTheEnd() throws IOException {
        Files.writeString(f.shared.resolve("log"), "first;");
        long node = f.lookup(ROOT, "log").nodeId;
        long fh = f.open(node, Fcntl.O_WRONLY | Fcntl.O_APPEND);
        assertEquals(7, write(node, fh, 0, "second;", Fcntl.O_WRONLY | Fcntl.O_APPEND));
        assertEquals("first;second;", Files.readString(f.shared.resolve("log")), "RWF_APPEND ignores offset 0");
        assertEquals(1, write(node, fh, 0, "X", Fcntl.O_WRONLY));
        assertEquals("Xirst;second;", Files.readString(f.shared.resolve("log")),
                "the host fd itself has no O_APPEND (the guest may clear it with fcntl)");
    }

    @Test
    void writebackOpensWriteOnlyFilesForReadingToo() throws IOException {
        try (FsFixture wb = FsFixture.create(c -> c.writeback(true), FuseFlags.FUSE_WRITEBACK_CACHE)) {
            Files.writeString(wb.shared.resolve("f"), "content");
            long node = wb.lookup(ROOT, "f").nodeId;
            long fh = wb.open(node, Fcntl.O_WRONLY | Fcntl.O_APPEND);
            iovecs.putIovec(0, memory.address(), 7);
            assertEquals(7, wb.fs.read(wb.ctx, node, fh, 0, 7, iovecs.address(), 1), "O_WRONLY became O_RDWR");
            memory.put(0, b("ZZ"), 0, 2);
            iovecs.putIovec(0, memory.address(), 2);
            assertEquals(2, wb.fs.write(wb.ctx, node, fh, 0, 2, 0, Fcntl.O_WRONLY | Fcntl.O_APPEND,
                    iovecs.address(), 1));
            assertEquals("ZZntent", Files.readString(wb.shared.resolve("f")), "with writeback the guest decides offsets");
        }
        try (FsFixture offered = FsFixture.create(c -> c.writeback(true), 0)) {
            Files.writeString(offered.shared.resolve("f"), "content");
            long node = offered.lookup(ROOT, "f").nodeId;
            long fh = offered.open(node, Fcntl.O_WRONLY);
            iovecs.putIovec(0, memory.address(), 7);
            assertEquals(-Errno.EBADF, offered.fs.read(offered.ctx, node, fh, 0, 7, iovecs.address(), 1),
                    "not negotiated: no rewriting");
        }
    }

    @Test
    void openFlagsFollowTheCachePolicy() throws IOException {
        for (CachePolicy policy : CachePolicy.values()) {
            try (FsFixture c = FsFixture.create(b -> b.cachePolicy(policy))) {
                Files.writeString(c.shared.resolve("f"), "");
                long node = c.lookup(ROOT, "f").nodeId;
                OpenResult o = new OpenResult();
                assertEquals(0, c.fs.open(c.ctx, node, Fcntl.O_RDONLY, o));
                assertEquals(policy.fileOpenFlags, o.openFlags, policy + " open");
                assertEquals(0, c.fs.opendir(c.ctx, ROOT, Fcntl.O_RDONLY, o));
                assertEquals(policy.dirOpenFlags, o.openFlags, policy + " opendir");
                Entry e = new Entry();
                assertEquals(0, c.fs.create(c.ctx, ROOT, b("g"), 0644, Fcntl.O_RDWR, 0, e, o));
                assertEquals(policy.fileOpenFlags, o.openFlags, policy + " create");
                assertEquals(policy.timeoutSeconds, e.entryValidSeconds);
            }
        }
    }

    @Test
    void fallocateAndLseekDataAndHoles() throws IOException {
        long[] created = f.create(ROOT, "sparse", 0644);
        long node = created[0];
        long fh = created[1];
        assertEquals(0, f.fs.fallocate(f.ctx, node, fh, 0, 0, 1 << 20));
        assertEquals(1 << 20, Files.size(f.shared.resolve("sparse")));
        assertEquals(0, f.fs.fallocate(f.ctx, node, fh, Fcntl.FALLOC_FL_PUNCH_HOLE | Fcntl.FALLOC_FL_KEEP_SIZE, 0, 1 << 20));
        assertEquals(4, write(node, fh, 512 * 1024, "data", 0));
        assertEquals(512 * 1024, f.fs.lseek(f.ctx, node, fh, 0, Fcntl.SEEK_DATA));
        assertEquals(0, f.fs.lseek(f.ctx, node, fh, 0, Fcntl.SEEK_HOLE));
        long hole = f.fs.lseek(f.ctx, node, fh, 512 * 1024, Fcntl.SEEK_HOLE);
        assertTrue(hole > 512 * 1024 && hole < 1 << 20, "hole after the data: " + hole);
        assertEquals(1 << 20, f.fs.lseek(f.ctx, node, fh, 0, Fcntl.SEEK_END));
        assertEquals(-Errno.ENXIO, f.fs.lseek(f.ctx, node, fh, 1 << 20, Fcntl.SEEK_DATA));
        assertEquals(0, f.fs.fallocate(f.ctx, node, fh, Fcntl.FALLOC_FL_KEEP_SIZE, 1 << 20, 4096));
        assertEquals(1 << 20, Files.size(f.shared.resolve("sparse")), "KEEP_SIZE");
        assertEquals(-Errno.EBADF, f.fs.fallocate(f.ctx, ROOT, fh, 0, 0, 1));
        assertEquals(-Errno.EBADF, f.fs.lseek(f.ctx, node, 4711, 0, Fcntl.SEEK_SET));
    }

    @Test
    void getattrStatfsAccessSyncfs() throws IOException {
        Path file = f.shared.resolve("f");
        Files.writeString(file, "12345");
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));
        Files.setAttribute(file, "unix:uid", 1000);
        Files.setAttribute(file, "unix:gid", 2000);
        long node = f.lookup(ROOT, "f").nodeId;
        Attr a = f.getattr(node);
        assertEquals(5, a.size);
        assertEquals(1000, a.uid);
        assertEquals(2000, a.gid);
        assertEquals(FsFixture.unixLong(file, "ino"), a.ino);

        StatFs st = new StatFs();
        assertEquals(0, f.fs.statfs(f.ctx, node, st));
        FileStore store = Files.getFileStore(f.shared);
        assertEquals(store.getTotalSpace(), st.blocks * st.frsize);
        assertEquals(255, st.namelen);
        assertTrue(st.bsize > 0 && st.files > 0);

        RequestContext owner = new RequestContext().set(1000, 1, 1);
        RequestContext group = new RequestContext().set(3000, 2000, 1);
        RequestContext other = new RequestContext().set(3000, 3000, 1);
        RequestContext root = new RequestContext().set(0, 0, 1);
        assertEquals(0, f.fs.access(owner, node, Fcntl.R_OK | Fcntl.W_OK));
        assertEquals(-Errno.EACCES, f.fs.access(owner, node, Fcntl.X_OK));
        assertEquals(0, f.fs.access(group, node, Fcntl.R_OK));
        assertEquals(-Errno.EACCES, f.fs.access(group, node, Fcntl.W_OK));
        assertEquals(-Errno.EACCES, f.fs.access(other, node, Fcntl.R_OK));
        assertEquals(0, f.fs.access(other, node, Fcntl.F_OK));
        assertEquals(0, f.fs.access(root, node, Fcntl.R_OK | Fcntl.W_OK));
        assertEquals(-Errno.EACCES, f.fs.access(root, node, Fcntl.X_OK), "root needs some x bit");
        assertEquals(-Errno.EBADF, f.fs.access(root, 999, Fcntl.F_OK));

        assertEquals(0, f.fs.syncfs(f.ctx, node));
        assertEquals(0, f.fs.syncfs(f.ctx, ROOT));
        long dirFh = f.opendir(ROOT);
        assertEquals(0, f.fs.fsyncdir(f.ctx, ROOT, dirFh, false));
        assertEquals(0, f.fs.releasedir(f.ctx, ROOT, dirFh));
        assertEquals(-Errno.EBADF, f.fs.releasedir(f.ctx, ROOT, dirFh));
    }

    @Test
    void readAndWriteStraightBetweenNativeMemoryAndFile() throws IOException {
        byte[] big = new byte[600_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 7);
        }
        memory.put(0, big, 0, big.length);
        for (int i = 0; i < 6; i++) {
            iovecs.putIovec(i, memory.address() + i * 100_000L, 100_000);
        }
        long[] created = f.create(ROOT, "big", 0644);
        assertEquals(big.length, f.fs.write(f.ctx, created[0], created[1], 0, big.length, 0, 0, iovecs.address(), 6));
        assertTrue(java.util.Arrays.equals(big, Files.readAllBytes(f.shared.resolve("big"))));
        try (NativeBuffer back = NativeBuffer.allocate(big.length)) {
            iovecs.putIovec(0, back.address(), 1000);
            iovecs.putIovec(1, back.address() + 1000, big.length - 1000);
            assertEquals(big.length, f.fs.read(f.ctx, created[0], created[1], 0, big.length, iovecs.address(), 2));
            byte[] out = new byte[big.length];
            back.get(0, out, 0, out.length);
            assertTrue(java.util.Arrays.equals(big, out));
        }
    }
}
