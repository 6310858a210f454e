package dev.jvirtiofsd.daemon.e2e;

import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.ATTR_MODE;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.ATTR_MTIME;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.ATTR_NLINK;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.ATTR_OUT_ATTR;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.ATTR_SIZE;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.ATTR_UID;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.ATTR_GID;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.ENTRY_ATTR;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.args;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.fh;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.nodeId;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvirtiofsd.daemon.e2e.FuseTestClient.Reply;
import dev.jvirtiofsd.protocol.Opcode;
import dev.jvirtiofsd.vhostuser.frontend.FrontendOptions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon as QEMU sees it: started from its command line, served over a real Unix socket,
 * FUSE requests in real shared memory through real virtqueues. Each operation is checked in the
 * reply and in the host's view of the shared directory.
 */
class DaemonEndToEndTest {
    static final int S_IFDIR = 0040000;
    static final int S_IFREG = 0100000;
    static final int S_IFIFO = 0010000;
    static final int S_IFSOCK = 0140000;
    static final int S_IFLNK = 0120000;
    static final int ENOENT = 2;
    static final int EEXIST = 17;
    static final int EINVAL = 22;
    static final int ENOSYS = 38;
    static final int ENOTEMPTY = 39;
    static final int ENODATA = 61;
    static final int O_WRONLY = 1;
    static final int O_RDWR = 2;

    @TempDir
    Path tmp;
    Path shared;
    RunningDaemon daemon;
    FuseTestClient fuse;

    @BeforeEach
    void start() throws Exception {
        shared = Files.createDirectory(tmp.resolve("shared"));
        daemon = RunningDaemon.start(shared, tmp.resolve("vfs.sock"), frontendOptions(), daemonArgs());
        fuse = new FuseTestClient(daemon.frontend);
        Reply init = fuse.init();
        init.ok();
        assertEquals(7, init.body().getInt(0));
        assertEquals(38, init.body().getInt(4));
    }

    /** The daemon's options beyond the shared dir, socket and sandbox. */
    String[] daemonArgs() {
        return new String[] {"--xattr"};
    }

    FrontendOptions frontendOptions() {
        return FrontendOptions.defaults();
    }

    @AfterEach
    void stop() {
        daemon.close();
    }

    @Test
    void handshakeOffersTheFeaturesQemuNeeds() {
        long f = daemon.frontend.offeredFeatures();
        assertTrue((f & (1L << 32)) != 0, "VERSION_1");
        assertTrue((f & (1L << 28)) != 0, "INDIRECT_DESC");
        assertTrue((f & (1L << 29)) != 0, "EVENT_IDX");
        long pf = daemon.frontend.offeredProtocolFeatures();
        assertTrue((pf & 1) != 0, "MQ");
        assertTrue((pf & (1 << 3)) != 0, "REPLY_ACK");
        assertTrue((pf & (1 << 15)) != 0, "CONFIGURE_MEM_SLOTS");
        assertEquals(0, pf & (1 << 9), "CONFIG only with --tag");
        assertEquals(65, daemon.frontend.queueCount(), "hiprio + 64 request queues");
    }

    @Test
    void initReplyNegotiatesOnlyWhatIsServed() throws Exception {
        Reply r = fuse.init();
        r.ok();
        ByteBuffer b = r.body();
        assertEquals(1 << 20, b.getInt(20), "max_write");
        assertEquals(256, b.getShort(28) & 0xffff, "max_pages");
        int flags = b.getInt(12);
        assertEquals(0, flags & (1 << 1), "no POSIX_LOCKS");
        assertEquals(0, flags & (1 << 10), "no FLOCK_LOCKS");
        assertTrue((flags & (1 << 22)) != 0, "MAX_PAGES");
    }

    @Test
    void createWriteReadAndTheHostSeesIt() throws Exception {
        Reply c = fuse.create(1, "hello.txt", S_IFREG | 0644, O_RDWR);
        long node = nodeId(c);
        long fh = fh(c, 128);
        byte[] data = "written by the guest\n".getBytes(StandardCharsets.UTF_8);
        Reply w = fuse.write(node, fh, 0, data);
        w.ok();
        assertEquals(data.length, w.body().getInt(0));
        Reply r = fuse.read(node, fh, 0, 4096);
        r.ok();
        byte[] back = new byte[r.body().remaining()];
        r.body().get(back);
        assertArrayEquals(data, back);
        fuse.flush(node, fh).ok();
        fuse.fsync(Opcode.FSYNC, node, fh, 1).ok();
        fuse.release(Opcode.RELEASE, node, fh).ok();
        assertArrayEquals(data, Files.readAllBytes(shared.resolve("hello.txt")));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(shared.resolve("hello.txt"))));
    }

    @Test
    void largeWriteAndReadAtAnOffsetStraightThroughGuestMemory() throws Exception {
        long node = nodeId(fuse.create(1, "big", S_IFREG | 0600, O_RDWR));
        long fh = fh(fuse.open(node, O_RDWR), 0);
        byte[] data = new byte[1 << 20];
        new Random(7).nextBytes(data);
        Reply w = fuse.write(node, fh, 4096, data);
        w.ok();
        assertEquals(data.length, w.body().getInt(0));
        byte[] host = Files.readAllBytes(shared.resolve("big"));
        assertEquals(4096 + data.length, host.length);
        assertArrayEquals(data, java.util.Arrays.copyOfRange(host, 4096, host.length));
        Reply r = fuse.read(node, fh, 4096 + 1000, 300_000);
        r.ok();
        assertEquals(300_000, r.body().remaining());
        byte[] back = new byte[300_000];
        r.body().get(back);
        assertArrayEquals(java.util.Arrays.copyOfRange(data, 1000, 301_000), back);
        Reply eof = fuse.read(node, fh, host.length - 10, 4096);
        eof.ok();
        assertEquals(10, eof.body().remaining(), "short read at end of file");
    }

    @Test
    void lookupGetattrAndFilesTheHostWrote() throws Exception {
        Files.writeString(shared.resolve("from-host"), "host data");
        Reply e = fuse.lookup(1, "from-host");
        long node = nodeId(e);
        assertEquals(9, e.body().getLong(ENTRY_ATTR + ATTR_SIZE));
        assertEquals(S_IFREG, e.body().getInt(ENTRY_ATTR + ATTR_MODE) & 0170000);
        assertEquals(node, nodeId(fuse.lookup(1, "from-host")), "same file, same node id");
        Reply a = fuse.getattr(node);
        a.ok();
        assertEquals(9, a.body().getLong(ATTR_OUT_ATTR + ATTR_SIZE));
        assertEquals(-ENOENT, fuse.lookup(1, "missing").error());
        Reply root = fuse.getattr(1);
        root.ok();
        assertEquals(S_IFDIR, root.body().getInt(ATTR_OUT_ATTR + ATTR_MODE) & 0170000);
    }

    @Test
    void directoriesAndTheirErrors() throws Exception {
        Reply m = fuse.mkdir(1, "dir", S_IFDIR | 0755);
        long dir = nodeId(m);
        assertTrue(Files.isDirectory(shared.resolve("dir")));
        assertEquals(-EEXIST, fuse.mkdir(1, "dir", S_IFDIR | 0755).error());
        nodeId(fuse.create(dir, "inner", S_IFREG | 0644, O_WRONLY));
        assertEquals(-ENOTEMPTY, fuse.unlink(Opcode.RMDIR, 1, "dir").error());
        fuse.unlink(Opcode.UNLINK, dir, "inner").ok();
        assertFalse(Files.exists(shared.resolve("dir/inner")));
        fuse.unlink(Opcode.RMDIR, 1, "dir").ok();
        assertFalse(Files.exists(shared.resolve("dir")));
        assertEquals(-ENOENT, fuse.unlink(Opcode.UNLINK, 1, "dir").error());
    }

    @Test
    void aThousandEntriesListedCompletelyWithReaddirAndReaddirplus() throws Exception {
        Path big = Files.createDirectory(shared.resolve("many"));
        for (int i = 0; i < 1000; i++) {
            Files.writeString(big.resolve("entry-" + i), "");
        }
        long dir = nodeId(fuse.lookup(1, "many"));
        for (int opcode : new int[] {Opcode.READDIR, Opcode.READDIRPLUS}) {
            long fh = fh(fuse.opendir(dir), 0);
            Set<String> names = new HashSet<>();
            long offset = 0;
            int calls = 0;
            while (true) {
                Reply r = fuse.readdir(opcode, dir, fh, offset, 4096);
                r.ok();
                ByteBuffer b = r.body();
                if (!b.hasRemaining()) {
                    break;
                }
                calls++;
                while (b.hasRemaining()) {
                    int start = b.position();
                    int entryBytes = opcode == Opcode.READDIRPLUS ? 128 : 0;
                    long entryNode = b.getLong(start);
                    int at = start + entryBytes;
                    offset = b.getLong(at + 8);
                    int namelen = b.getInt(at + 16);
                    byte[] name = new byte[namelen];
                    b.get(at + 24, name);
                    String s = new String(name, StandardCharsets.UTF_8);
                    assertTrue(names.add(s), "listed twice: " + s);
                    if (opcode == Opcode.READDIRPLUS && !s.equals(".") && !s.equals("..")) {
                        assertNotEquals(0, entryNode, "readdirplus looks entries up");
                    }
                    b.position(at + ((24 + namelen + 7) & ~7));
                }
            }
            assertEquals(1002, names.size(), "1000 entries plus . and ..");
            assertTrue(calls > 1, "the listing continued from offsets");
            fuse.release(Opcode.RELEASEDIR, dir, fh).ok();
        }
    }

    @Test
    void symlinkReadlinkAndHardLink() throws Exception {
        Reply s = fuse.symlink(1, "link", "../../outside/target");
        long link = nodeId(s);
        assertEquals(S_IFLNK, s.body().getInt(ENTRY_ATTR + ATTR_MODE) & 0170000);
        assertEquals("../../outside/target", Files.readSymbolicLink(shared.resolve("link")).toString());
        Reply r = fuse.readlink(link);
        r.ok();
        assertEquals("../../outside/target", StandardCharsets.UTF_8.decode(r.body()).toString());

        long file = nodeId(fuse.create(1, "orig", S_IFREG | 0644, O_WRONLY));
        Reply l = fuse.link(file, 1, "second");
        assertEquals(file, nodeId(l), "a hard link is the same inode");
        assertEquals(2, l.body().getInt(ENTRY_ATTR + ATTR_NLINK));
        assertEquals(2, Files.getAttribute(shared.resolve("orig"), "unix:nlink"));
    }

    @Test
    void mknodFifoSocketAndRegular() throws Exception {
        fuse.mknod(1, "fifo", S_IFIFO | 0600).ok();
        fuse.mknod(1, "sock", S_IFSOCK | 0600).ok();
        fuse.mknod(1, "plain", S_IFREG | 0600).ok();
        assertEquals(S_IFIFO, (int) Files.getAttribute(shared.resolve("fifo"), "unix:mode") & 0170000);
        assertEquals(S_IFSOCK, (int) Files.getAttribute(shared.resolve("sock"), "unix:mode") & 0170000);
        assertTrue(Files.isRegularFile(shared.resolve("plain")));
    }

    @Test
    void renameOverExistingNoreplaceAndExchange() throws Exception {
        Files.writeString(shared.resolve("a"), "A");
        Files.writeString(shared.resolve("b"), "B");
        assertEquals(-EEXIST, fuse.rename2(1, "a", 1, "b", 1).error(), "RENAME_NOREPLACE");
        fuse.rename2(1, "a", 1, "b", 2).ok();
        assertEquals("B", Files.readString(shared.resolve("a")));
        assertEquals("A", Files.readString(shared.resolve("b")));
        fuse.rename(1, "a", 1, "b").ok();
        assertFalse(Files.exists(shared.resolve("a")));
        assertEquals("B", Files.readString(shared.resolve("b")));
        long dir = nodeId(fuse.mkdir(1, "d", S_IFDIR | 0755));
        fuse.rename(1, "b", dir, "moved").ok();
        assertEquals("B", Files.readString(shared.resolve("d/moved")));
    }

    @Test
    void setattrModeOwnerSizeAndTimes() throws Exception {
        Files.writeString(shared.resolve("f"), "0123456789");
        long node = nodeId(fuse.lookup(1, "f"));
        // FATTR_MODE
        fuse.setattr(node, 1, 0, 0, 0, 0, 0, 0, 0600, 0, 0).ok();
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(shared.resolve("f"))));
        // FATTR_SIZE: truncate
        Reply t = fuse.setattr(node, 8, 0, 4, 0, 0, 0, 0, 0, 0, 0);
        t.ok();
        assertEquals(4, t.body().getLong(ATTR_OUT_ATTR + ATTR_SIZE));
        assertEquals("0123", Files.readString(shared.resolve("f")));
        // FATTR_MTIME + FATTR_ATIME
        Reply m = fuse.setattr(node, 16 | 32, 0, 0, 1_000_000_000L, 0, 1_234_567_890L, 500, 0, 0, 0);
        m.ok();
        assertEquals(1_234_567_890L, m.body().getLong(ATTR_OUT_ATTR + ATTR_MTIME));
        assertEquals(FileTime.from(java.time.Instant.ofEpochSecond(1_234_567_890L, 500)),
                Files.getLastModifiedTime(shared.resolve("f")));
        // FATTR_MTIME_NOW
        long before = System.currentTimeMillis() / 1000 - 5;
        fuse.setattr(node, 32 | 256, 0, 0, 0, 0, 0, 0, 0, 0, 0).ok();
        assertTrue(Files.getLastModifiedTime(shared.resolve("f")).toMillis() / 1000 >= before);
        // FATTR_UID | FATTR_GID (the daemon runs as root)
        Reply o = fuse.setattr(node, 2 | 4, 0, 0, 0, 0, 0, 0, 0, 1234, 5678);
        o.ok();
        assertEquals(1234, o.body().getInt(ATTR_OUT_ATTR + ATTR_UID));
        assertEquals(5678, o.body().getInt(ATTR_OUT_ATTR + ATTR_GID));
        assertEquals(1234, Files.getAttribute(shared.resolve("f"), "unix:uid"));
        // FATTR_SIZE through an open handle (FATTR_FH)
        long fh = fh(fuse.open(node, O_RDWR), 0);
        fuse.setattr(node, 8 | 64, fh, 1, 0, 0, 0, 0, 0, 0, 0).ok();
        assertEquals("0", Files.readString(shared.resolve("f")));
        fuse.release(Opcode.RELEASE, node, fh).ok();
    }

    @Test
    void statfsAccessFallocateLseekSyncfs() throws Exception {
        Reply s = fuse.statfs(1);
        s.ok();
        assertTrue(s.body().getLong(0) > 0, "blocks");
        assertTrue(s.body().getInt(40) > 0, "bsize");
        fuse.access(1, 0).ok();
        Reply c = fuse.create(1, "sparse", S_IFREG | 0644, O_RDWR);
        long node = nodeId(c);
        long fh = fh(c, 128);
        fuse.fallocate(node, fh, 0, 1 << 20, 0).ok();
        assertEquals(1 << 20, Files.size(shared.resolve("sparse")));
        fuse.write(node, fh, 8 << 20, new byte[] {1}).ok();
        Reply data = fuse.lseek(node, fh, 2 << 20, 3); // SEEK_DATA
        data.ok();
        assertEquals(8 << 20, data.body().getLong(0));
        fuse.syncfs(1).ok();
        fuse.release(Opcode.RELEASE, node, fh).ok();
    }

    @Test
    void xattrsRoundTripAndTheHostSeesThem() throws Exception {
        Files.writeString(shared.resolve("x"), "");
        long node = nodeId(fuse.lookup(1, "x"));
        fuse.setxattr(node, "user.color", "blue".getBytes(StandardCharsets.UTF_8), 0).ok();
        UserDefinedFileAttributeView view = Files.getFileAttributeView(shared.resolve("x"),
                UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        ByteBuffer v = ByteBuffer.allocate(16);
        view.read("color", v);
        assertEquals("blue", new String(v.array(), 0, v.position(), StandardCharsets.UTF_8));
        Reply size = fuse.getxattr(node, "user.color", 0);
        size.ok();
        assertEquals(4, size.body().getInt(0));
        Reply g = fuse.getxattr(node, "user.color", 64);
        g.ok();
        assertEquals("blue", StandardCharsets.UTF_8.decode(g.body()).toString());
        Reply l = fuse.listxattr(node, 256);
        l.ok();
        assertTrue(StandardCharsets.UTF_8.decode(l.body()).toString().contains("user.color\0"));
        fuse.removexattr(node, "user.color").ok();
        assertEquals(-ENODATA, fuse.getxattr(node, "user.color", 64).error());
        assertFalse(view.list().contains("color"));
    }

    @Test
    void forgetAndBatchForgetSendNoReplyAndKeepServing() throws Exception {
        Files.writeString(shared.resolve("f"), "");
        long node = nodeId(fuse.lookup(1, "f"));
        assertEquals(0, fuse.forget(node, 1).usedLength());
        assertEquals(0, fuse.batchForget(new long[] {node, 999}, new long[] {1, 1}).usedLength());
        assertEquals(0, fuse.call(Opcode.INTERRUPT, 0, args().u64(12345)).usedLength());
        nodeId(fuse.lookup(1, "f"));
    }

    @Test
    void unservedOpcodesAnswerEnosys() throws Exception {
        assertEquals(-ENOSYS, fuse.call(Opcode.GETLK, 1, args().zeros(80)).error());
        assertEquals(-ENOSYS, fuse.call(Opcode.BMAP, 1, args().zeros(16)).error());
        assertEquals(-ENOSYS, fuse.call(Opcode.SETUPMAPPING, 1, args().zeros(40)).error());
        assertEquals(-ENOSYS, fuse.call(4000, 1, args()).error());
    }

    @Test
    void hostileNamesNeverLeaveTheSharedDirectory() throws Exception {
        Path canary = Files.writeString(tmp.resolve("canary"), "outside");
        FileTime canaryTime = Files.getLastModifiedTime(canary);
        Reply dotdot = fuse.lookup(1, "..");
        assertEquals(1, nodeId(dotdot), "'..' at the root is the root");
        assertEquals(-ENOENT, fuse.lookup(1, "canary").error());
        for (String bad : new String[] {"../canary", "a/b", "/", "../..", ""}) {
            int e = fuse.lookup(1, bad).error();
            assertTrue(e < 0, "lookup of '" + bad + "' must fail");
            assertTrue(fuse.create(1, bad, S_IFREG | 0644, O_WRONLY).error() < 0, "create '" + bad + "'");
            assertTrue(fuse.mkdir(1, bad, S_IFDIR | 0755).error() < 0, "mkdir '" + bad + "'");
        }
        Files.writeString(shared.resolve("x"), "x");
        assertTrue(fuse.rename(1, "x", 1, "../moved-out").error() < 0, "rename out of the tree");
        assertTrue(fuse.link(nodeId(fuse.lookup(1, "x")), 1, "../linked-out").error() < 0, "link out of the tree");
        byte[] withNul = "ab\0cd".getBytes(StandardCharsets.UTF_8);
        assertTrue(fuse.call(Opcode.LOOKUP, 1, args().name(withNul)).error() < 0, "name with interior NUL");
        assertTrue(fuse.lookup(1, "x".repeat(256)).error() < 0, "256-byte name");
        // A symlink pointing outside is stored and read, never followed.
        Files.createSymbolicLink(shared.resolve("escape"), tmp);
        long esc = nodeId(fuse.lookup(1, "escape"));
        assertTrue(fuse.lookup(esc, "canary").error() < 0, "lookup through a symlink");
        assertTrue(fuse.create(esc, "planted", S_IFREG | 0644, O_WRONLY).error() < 0, "create through a symlink");
        assertEquals("outside", Files.readString(canary));
        assertEquals(canaryTime, Files.getLastModifiedTime(canary));
        assertFalse(Files.exists(tmp.resolve("planted")));
        try (var s = Files.list(tmp)) {
            // (beside the share: the daemon's own pid file of its socket path, and nothing else)
            assertEquals(Set.of("shared", "canary"), s.map(p -> p.getFileName().toString())
                    .filter(name -> !name.equals("vfs.sock.pid")).collect(java.util.stream.Collectors.toSet()));
        }
    }

    @Test
    void malformedRequestsGetAnErrorAndTheQueueKeepsServing() throws Exception {
        byte[] good = fuse.encode(Opcode.GETATTR, 1, args().u32(0).u32(0).u64(0));
        // The in-header claims more bytes than the chain holds.
        byte[] lying = good.clone();
        ByteBuffer.wrap(lying).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(0, good.length + 100);
        assertEquals(-EINVAL, fuse.send(lying, 4096).error());
        // Shorter than an in-header: nothing to answer to, but the queue must go on.
        fuse.send(new byte[10], 4096);
        // A name without its NUL.
        assertTrue(fuse.call(Opcode.LOOKUP, 1, args().bytes("noterm".getBytes(StandardCharsets.UTF_8))).error() < 0);
        // A WRITE whose size is larger than the data it carries.
        long node = nodeId(fuse.create(1, "w", S_IFREG | 0644, O_RDWR));
        long fh = fh(fuse.open(node, O_RDWR), 0);
        Reply w = fuse.call(Opcode.WRITE, node, args().u64(fh).u64(0).u32(1 << 20).u32(0).u64(0).u32(2).u32(0)
                .bytes(new byte[10]));
        assertEquals(-EINVAL, w.error());
        // A request to an unknown node id.
        assertTrue(fuse.getattr(123456789L).error() < 0);
        // Still serving.
        fuse.getattr(1).ok();
        assertEquals(0, Files.size(shared.resolve("w")));
    }

    @Test
    void frontendDisconnectEndsTheDaemonWithStatusZeroAndRemovesTheSocket() throws Exception {
        assertEquals(0, daemon.disconnectAndWait());
        assertFalse(Files.exists(daemon.socket), "socket file removed");
    }
}
