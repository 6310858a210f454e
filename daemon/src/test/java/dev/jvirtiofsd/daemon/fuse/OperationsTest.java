package dev.jvirtiofsd.daemon.fuse;

import static dev.jvirtiofsd.daemon.fuse.FuseRequests.bytes;
import static dev.jvirtiofsd.daemon.fuse.FuseRequests.name;
import static dev.jvirtiofsd.daemon.fuse.FuseRequests.struct;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvirtiofsd.daemon.CachePolicy;
import dev.jvirtiofsd.daemon.fs.Entry;
import dev.jvirtiofsd.daemon.fuse.FuseRequests.Reply;
import dev.jvirtiofsd.protocol.AccessIn;
import dev.jvirtiofsd.protocol.AttrOut;
import dev.jvirtiofsd.protocol.BatchForgetIn;
import dev.jvirtiofsd.protocol.CreateIn;
import dev.jvirtiofsd.protocol.EntryOut;
import dev.jvirtiofsd.protocol.Errno;
import dev.jvirtiofsd.protocol.FallocateIn;
import dev.jvirtiofsd.protocol.FlushIn;
import dev.jvirtiofsd.protocol.ForgetIn;
import dev.jvirtiofsd.protocol.ForgetOne;
import dev.jvirtiofsd.protocol.FsyncIn;
import dev.jvirtiofsd.protocol.FuseAttr;
import dev.jvirtiofsd.protocol.FuseFlags;
import dev.jvirtiofsd.protocol.GetattrIn;
import dev.jvirtiofsd.protocol.GetxattrIn;
import dev.jvirtiofsd.protocol.GetxattrOut;
import dev.jvirtiofsd.protocol.Kstatfs;
import dev.jvirtiofsd.protocol.LinkIn;
import dev.jvirtiofsd.protocol.LseekIn;
import dev.jvirtiofsd.protocol.LseekOut;
import dev.jvirtiofsd.protocol.MkdirIn;
import dev.jvirtiofsd.protocol.MknodIn;
import dev.jvirtiofsd.protocol.Opcode;
import dev.jvirtiofsd.protocol.OpenIn;
import dev.jvirtiofsd.protocol.OpenOut;
import dev.jvirtiofsd.protocol.ReadIn;
import dev.jvirtiofsd.protocol.ReleaseIn;
import dev.jvirtiofsd.protocol.Rename2In;
import dev.jvirtiofsd.protocol.RenameIn;
import dev.jvirtiofsd.protocol.SetattrIn;
import dev.jvirtiofsd.protocol.SetxattrIn;
import dev.jvirtiofsd.protocol.SyncfsIn;
import dev.jvirtiofsd.protocol.WriteIn;
import dev.jvirtiofsd.protocol.WriteOut;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Each served opcode: its arguments reach the file system decoded, and its answer reaches the guest encoded. */
class OperationsTest {
    private final ServerHarness h = new ServerHarness(new FuseServerConfig(CachePolicy.AUTO, true, false, true)).init();

    private static void assertEntry(long nodeId, ByteBuffer payload, int at) {
        Entry expected = new Entry();
        RecordingFileSystem.fillEntry(expected, nodeId);
        EntryOut out = new EntryOut().decode(payload, at);
        assertEquals(expected.nodeId, out.nodeid);
        assertEquals(expected.generation, out.generation);
        assertEquals(expected.entryValidSeconds, out.entryValid);
        assertEquals(expected.entryValidNanos, out.entryValidNsec);
        assertEquals(expected.attrValidSeconds, out.attrValid);
        assertEquals(expected.attrValidNanos, out.attrValidNsec);
        assertAttr(nodeId, out.attr);
    }

    private static void assertAttr(long seed, FuseAttr a) {
        assertEquals(seed * 10, a.ino);
        assertEquals(seed * 11, a.size);
        assertEquals(seed * 12, a.blocks);
        assertEquals(seed * 13, a.atime);
        assertEquals(seed * 14, a.mtime);
        assertEquals(seed * 15, a.ctime);
        assertEquals(seed + 16, a.atimensec);
        assertEquals(seed + 17, a.mtimensec);
        assertEquals(seed + 18, a.ctimensec);
        assertEquals(0100644, a.mode);
        assertEquals(1, a.nlink);
        assertEquals(1000, a.uid);
        assertEquals(1001, a.gid);
        assertEquals(4096, a.blksize);
    }

    private void assertOk(Reply r, int payload) {
        assertEquals(0, r.error(), "error");
        assertEquals(16 + payload, r.length(), "reply length");
        assertEquals(r.length(), r.used(), "used length");
        assertEquals(h.nextUnique() - 1, r.unique(), "unique echoed");
    }

    private List<String> calls() {
        List<String> c = new ArrayList<>(h.fs.calls);
        h.fs.calls.clear();
        return c;
    }

    @Test
    void lookup() {
        Reply r = h.send(Opcode.LOOKUP, 1, name("some file"));
        assertOk(r, EntryOut.BYTES);
        assertEntry(100, r.payload(), 0);
        assertEquals(List.of("lookup 1000/1001/4242 1 some file"), calls());

        h.fs.results.put("lookup", (long) -Errno.ENOENT);
        Reply missing = h.send(Opcode.LOOKUP, 1, name("nope"));
        assertEquals(-Errno.ENOENT, missing.error());
        assertEquals(16, missing.used());
    }

    @Test
    void forgetAndBatchForgetHaveNoReply() {
        ForgetIn f = new ForgetIn();
        f.nlookup = 3;
        Reply r = h.sendWithRoom(0, Opcode.FORGET, 42, struct(f, ForgetIn.BYTES, (s, b) -> s.encode(b, 0)));
        assertEquals(0, r.used());
        assertEquals(List.of("forget 42 3"), calls());

        BatchForgetIn batch = new BatchForgetIn();
        batch.count = 2;
        ForgetOne a = new ForgetOne();
        a.nodeid = 7;
        a.nlookup = 1;
        ForgetOne b = new ForgetOne();
        b.nodeid = 8;
        b.nlookup = 5;
        Reply rb = h.sendWithRoom(0, Opcode.BATCH_FORGET, 0, struct(batch, BatchForgetIn.BYTES, (s, x) -> s.encode(x, 0)),
            struct(a, ForgetOne.BYTES, (s, x) -> s.encode(x, 0)), struct(b, ForgetOne.BYTES, (s, x) -> s.encode(x, 0)));
        assertEquals(0, rb.used());
        assertEquals(List.of("forget 7 1", "forget 8 5"), calls());
    }

    @Test
    void getattrWithAndWithoutHandle() {
        GetattrIn in = new GetattrIn();
        in.fh = 55;
        Reply r = h.send(Opcode.GETATTR, 9, struct(in, GetattrIn.BYTES, (s, b) -> s.encode(b, 0)));
        assertOk(r, AttrOut.BYTES);
        AttrOut out = new AttrOut().decode(r.payload(), 0);
        assertEquals(CachePolicy.AUTO.timeoutSeconds, out.attrValid, "attr timeout from the cache policy");
        assertEquals(0, out.attrValidNsec);
        assertAttr(9, out.attr);
        in.getattrFlags = FuseFlags.GETATTR_FH;
        h.send(Opcode.GETATTR, 9, struct(in, GetattrIn.BYTES, (s, b) -> s.encode(b, 0)));
        assertEquals(List.of("getattr 9 -1", "getattr 9 55"), calls());
    }

    @Test
    void setattrPassesEveryField() {
        SetattrIn in = new SetattrIn();
        in.valid = 0xfff;
        in.fh = 1;
        in.size = 2;
        in.lockOwner = 3;
        in.atime = 4;
        in.mtime = 5;
        in.ctime = 6;
        in.atimensec = 7;
        in.mtimensec = 8;
        in.ctimensec = 9;
        in.mode = 0755;
        in.uid = 10;
        in.gid = 11;
        Reply r = h.send(Opcode.SETATTR, 12, struct(in, SetattrIn.BYTES, (s, b) -> s.encode(b, 0)));
        assertOk(r, AttrOut.BYTES);
        assertAttr(12, new AttrOut().decode(r.payload(), 0).attr);
        assertEquals(List.of("setattr 12 valid=4095 fh=1 size=2 owner=3 atime=4.7 mtime=5.8 ctime=6.9 mode=755 uid=10 gid=11"),
            calls());
    }

    @Test
    void readlink() {
        Reply r = h.send(Opcode.READLINK, 3);
        assertOk(r, h.fs.linkTarget.length);
        byte[] target = new byte[r.payloadLength()];
        r.payload().get(0, target);
        assertArrayEquals(h.fs.linkTarget, target);
        assertEquals(List.of("readlink 3 room=4096"), calls());
    }

    @Test
    void symlinkSendsTheNameBeforeTheTarget() {
        Reply r = h.send(Opcode.SYMLINK, 1, name("link"), name("../some/target"));
        assertOk(r, EntryOut.BYTES);
        assertEntry(100, r.payload(), 0);
        assertEquals(List.of("symlink 1 link -> ../some/target"), calls());
    }

    @Test
    void mknodAndMkdir() {
        MknodIn mknod = new MknodIn();
        mknod.mode = 0020644;
        mknod.rdev = 0x0801;
        mknod.umask = 022;
        assertOk(h.send(Opcode.MKNOD, 2, struct(mknod, MknodIn.BYTES, (s, b) -> s.encode(b, 0)), name("dev")),
            EntryOut.BYTES);
        MkdirIn mkdir = new MkdirIn();
        mkdir.mode = 0755;
        mkdir.umask = 077;
        Reply r = h.send(Opcode.MKDIR, 2, struct(mkdir, MkdirIn.BYTES, (s, b) -> s.encode(b, 0)), name("dir"));
        assertOk(r, EntryOut.BYTES);
        assertEntry(101, r.payload(), 0);
        assertEquals(List.of("mknod 2 dev mode=20644 rdev=2049 umask=22", "mkdir 1000/1001/4242 2 dir mode=755 umask=77"),
            calls());
    }

    @Test
    void unlinkAndRmdir() {
        assertOk(h.send(Opcode.UNLINK, 4, name("file")), 0);
        assertOk(h.send(Opcode.RMDIR, 4, name("dir")), 0);
        h.fs.results.put("rmdir", (long) -Errno.ENOTEMPTY);
        assertEquals(-Errno.ENOTEMPTY, h.send(Opcode.RMDIR, 4, name("full")).error());
        assertEquals(List.of("unlink 4 file", "rmdir 4 dir", "rmdir 4 full"), calls());
    }

    @Test
    void renameAndRename2() {
        RenameIn rename = new RenameIn();
        rename.newdir = 9;
        assertOk(h.send(Opcode.RENAME, 3, struct(rename, RenameIn.BYTES, (s, b) -> s.encode(b, 0)), name("old"),
            name("new")), 0);
        Rename2In rename2 = new Rename2In();
        rename2.newdir = 10;
        rename2.flags = 2; // RENAME_EXCHANGE
        assertOk(h.send(Opcode.RENAME2, 3, struct(rename2, Rename2In.BYTES, (s, b) -> s.encode(b, 0)), name("a"),
            name("b")), 0);
        rename2.flags = 0x40; // unknown to us: the file system decides
        h.send(Opcode.RENAME2, 3, struct(rename2, Rename2In.BYTES, (s, b) -> s.encode(b, 0)), name("a"), name("b"));
        assertEquals(List.of("rename 3 old 9 new flags=0", "rename 3 a 10 b flags=2", "rename 3 a 10 b flags=64"), calls());
    }

    @Test
    void linkNamesTheInodeInTheStructAndTheNewParentInTheHeader() {
        LinkIn in = new LinkIn();
        in.oldnodeid = 33;
        Reply r = h.send(Opcode.LINK, 5, struct(in, LinkIn.BYTES, (s, b) -> s.encode(b, 0)), name("hard"));
        assertOk(r, EntryOut.BYTES);
        assertEquals(List.of("link 33 5 hard"), calls());
    }

    @Test
    void openAndOpendir() {
        OpenIn in = new OpenIn();
        in.flags = 02 | 01000; // O_RDWR | O_TRUNC
        Reply r = h.send(Opcode.OPEN, 6, struct(in, OpenIn.BYTES, (s, b) -> s.encode(b, 0)));
        assertOk(r, OpenOut.BYTES);
        OpenOut out = new OpenOut().decode(r.payload(), 0);
        assertEquals(77, out.fh);
        assertEquals(2, out.openFlags);
        in.flags = 0200000; // O_DIRECTORY
        Reply d = h.send(Opcode.OPENDIR, 6, struct(in, OpenIn.BYTES, (s, b) -> s.encode(b, 0)));
        assertOk(d, OpenOut.BYTES);
        assertEquals(79, new OpenOut().decode(d.payload(), 0).fh);
        assertEquals(List.of("open 6 flags=1002", "opendir 6 flags=200000"), calls());
    }

    @Test
    void createRepliesWithAnEntryAndAnOpenFile() {
        CreateIn in = new CreateIn();
        in.flags = 0101;
        in.mode = 0100600;
        in.umask = 022;
        Reply r = h.send(Opcode.CREATE, 2, struct(in, CreateIn.BYTES, (s, b) -> s.encode(b, 0)), name("new.txt"));
        assertOk(r, EntryOut.BYTES + OpenOut.BYTES);
        assertEntry(100, r.payload(), 0);
        OpenOut open = new OpenOut().decode(r.payload(), EntryOut.BYTES);
        assertEquals(78, open.fh);
        assertEquals(1, open.openFlags);
        assertEquals(List.of("create 2 new.txt mode=100600 flags=101 umask=22"), calls());
    }

    @Test
    void readGoesStraightIntoTheWritableBuffersAfterTheHeader() {
        ReadIn in = new ReadIn();
        in.fh = 4;
        in.offset = 8192;
        in.size = 4096;
        Reply r = h.sendWithRoom(16 + 4096, Opcode.READ, 7, struct(in, ReadIn.BYTES, (s, b) -> s.encode(b, 0)));
        assertOk(r, 4096);
        assertTrue(h.last.iovecWritable);
        assertEquals(16, h.last.iovecOffset);
        assertEquals(4096, h.last.iovecMaxBytes);
        assertEquals(List.of("read 7 fh=4 off=8192 size=4096 iov=" + Long.toHexString(BufferMemory.WRITABLE_BASE + 16)
            + "x1"), calls());
        assertEquals(1, h.last.writes, "only the header is copied; the data is already in place");

        h.fs.results.put("read", 100L); // end of file
        Reply shortRead = h.sendWithRoom(16 + 4096, Opcode.READ, 7, struct(in, ReadIn.BYTES, (s, b) -> s.encode(b, 0)));
        assertOk(shortRead, 100);

        h.fs.results.put("read", 5000L); // more than asked for: a broken file system
        assertEquals(-Errno.EIO, h.sendWithRoom(16 + 4096, Opcode.READ, 7,
            struct(in, ReadIn.BYTES, (s, b) -> s.encode(b, 0))).error());

        h.fs.results.put("read", (long) -Errno.EBADF);
        assertEquals(-Errno.EBADF, h.sendWithRoom(16 + 4096, Opcode.READ, 7,
            struct(in, ReadIn.BYTES, (s, b) -> s.encode(b, 0))).error());
    }

    @Test
    void readOfNothingNeedsNoIovecs() {
        ReadIn in = new ReadIn();
        Reply r = h.sendWithRoom(16, Opcode.READ, 7, struct(in, ReadIn.BYTES, (s, b) -> s.encode(b, 0)));
        assertOk(r, 0);
        assertEquals(List.of("read 7 fh=0 off=0 size=0 iov=0x0"), calls());
    }

    @Test
    void writeTakesTheDataFromGuestMemoryAfterBothHeaders() {
        WriteIn in = new WriteIn();
        in.fh = 3;
        in.offset = 100;
        in.size = 3000;
        in.writeFlags = FuseFlags.WRITE_CACHE;
        in.flags = 02000; // O_APPEND
        Reply r = h.send(Opcode.WRITE, 8, struct(in, WriteIn.BYTES, (s, b) -> s.encode(b, 0)), new byte[3000]);
        assertOk(r, WriteOut.BYTES);
        assertEquals(3000, new WriteOut().decode(r.payload(), 0).size);
        assertTrue(!h.last.iovecWritable);
        assertEquals(80, h.last.iovecOffset);
        assertEquals(3000, h.last.iovecMaxBytes);
        assertEquals(List.of("write 8 fh=3 off=100 size=3000 wflags=1 fflags=2000 iov="
            + Long.toHexString(BufferMemory.READABLE_BASE + 80) + "x1"), calls());

        h.fs.results.put("write", (long) -Errno.ENOSPC);
        assertEquals(-Errno.ENOSPC, h.send(Opcode.WRITE, 8, struct(in, WriteIn.BYTES, (s, b) -> s.encode(b, 0)),
            new byte[3000]).error());
    }

    @Test
    void statfs() {
        Reply r = h.send(Opcode.STATFS, 1);
        assertOk(r, Kstatfs.BYTES);
        Kstatfs st = new Kstatfs().decode(r.payload(), 0);
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), List.of(st.blocks, st.bfree, st.bavail, st.files, st.ffree));
        assertEquals(List.of(6, 7, 8), List.of(st.bsize, st.namelen, st.frsize));
        for (int i = Kstatfs.FRSIZE + 4; i < Kstatfs.BYTES; i++) {
            assertEquals(0, r.payload().get(i), "padding and spare are zero");
        }
    }

    @Test
    void releaseFlushFsyncAndTheirDirectoryTwins() {
        ReleaseIn release = new ReleaseIn();
        release.fh = 5;
        release.flags = 02;
        release.releaseFlags = FuseFlags.RELEASE_FLUSH;
        release.lockOwner = 99;
        assertOk(h.send(Opcode.RELEASE, 1, struct(release, ReleaseIn.BYTES, (s, b) -> s.encode(b, 0))), 0);
        assertOk(h.send(Opcode.RELEASEDIR, 1, struct(release, ReleaseIn.BYTES, (s, b) -> s.encode(b, 0))), 0);
        FlushIn flush = new FlushIn();
        flush.fh = 6;
        flush.lockOwner = 0x1234;
        assertOk(h.send(Opcode.FLUSH, 1, struct(flush, FlushIn.BYTES, (s, b) -> s.encode(b, 0))), 0);
        FsyncIn fsync = new FsyncIn();
        fsync.fh = 7;
        fsync.fsyncFlags = FuseFlags.FSYNC_FDATASYNC;
        assertOk(h.send(Opcode.FSYNC, 1, struct(fsync, FsyncIn.BYTES, (s, b) -> s.encode(b, 0))), 0);
        fsync.fsyncFlags = 0;
        assertOk(h.send(Opcode.FSYNCDIR, 1, struct(fsync, FsyncIn.BYTES, (s, b) -> s.encode(b, 0))), 0);
        assertEquals(List.of("release 1 fh=5 flags=2", "releasedir 1 fh=5", "flush 1 fh=6 owner=4660",
            "fsync 1 fh=7 dataOnly=true", "fsyncdir 1 fh=7 dataOnly=false"), calls());
    }

    @Test
    void accessFallocateLseekSyncfs() {
        AccessIn access = new AccessIn();
        access.mask = 6;
        assertOk(h.send(Opcode.ACCESS, 2, struct(access, AccessIn.BYTES, (s, b) -> s.encode(b, 0))), 0);
        FallocateIn falloc = new FallocateIn();
        falloc.fh = 1;
        falloc.mode = 3; // KEEP_SIZE | PUNCH_HOLE
        falloc.offset = 4096;
        falloc.length = 8192;
        assertOk(h.send(Opcode.FALLOCATE, 2, struct(falloc, FallocateIn.BYTES, (s, b) -> s.encode(b, 0))), 0);
        LseekIn lseek = new LseekIn();
        lseek.fh = 1;
        lseek.offset = 500;
        lseek.whence = 3; // SEEK_DATA
        Reply r = h.send(Opcode.LSEEK, 2, struct(lseek, LseekIn.BYTES, (s, b) -> s.encode(b, 0)));
        assertOk(r, LseekOut.BYTES);
        assertEquals(1500, new LseekOut().decode(r.payload(), 0).offset);
        h.fs.results.put("lseek", (long) -Errno.ENXIO);
        assertEquals(-Errno.ENXIO, h.send(Opcode.LSEEK, 2, struct(lseek, LseekIn.BYTES, (s, b) -> s.encode(b, 0))).error());
        assertOk(h.send(Opcode.SYNCFS, 2, struct(new SyncfsIn(), SyncfsIn.BYTES, (s, b) -> s.encode(b, 0))), 0);
        assertEquals(List.of("access 2 mask=6", "fallocate 2 fh=1 mode=3 off=4096 len=8192",
            "lseek 2 fh=1 off=500 whence=3", "lseek 2 fh=1 off=500 whence=3", "syncfs 2"), calls());
    }

    @Test
    void extendedAttributes() {
        SetxattrIn set = new SetxattrIn();
        set.size = 5;
        set.flags = 1; // XATTR_CREATE
        // Without SETXATTR_EXT the guest sends the 8-byte compat struct.
        byte[] compat = java.util.Arrays.copyOf(struct(set, SetxattrIn.BYTES, (s, b) -> s.encode(b, 0)),
            SetxattrIn.COMPAT_BYTES);
        assertOk(h.send(Opcode.SETXATTR, 3, compat, name("user.x"), bytes("hello")), 0);
        assertEquals(List.of("setxattr 3 user.x=hello flags=1"), calls());

        GetxattrIn get = new GetxattrIn();
        Reply sizeOnly = h.send(Opcode.GETXATTR, 3, struct(get, GetxattrIn.BYTES, (s, b) -> s.encode(b, 0)), name("user.x"));
        assertOk(sizeOnly, GetxattrOut.BYTES);
        assertEquals(h.fs.xattrValue.length, new GetxattrOut().decode(sizeOnly.payload(), 0).size);

        get.size = 100;
        Reply value = h.send(Opcode.GETXATTR, 3, struct(get, GetxattrIn.BYTES, (s, b) -> s.encode(b, 0)), name("user.x"));
        assertOk(value, h.fs.xattrValue.length);
        byte[] got = new byte[value.payloadLength()];
        value.payload().get(0, got);
        assertArrayEquals(h.fs.xattrValue, got);

        get.size = 3; // smaller than the value
        assertEquals(-Errno.ERANGE, h.send(Opcode.GETXATTR, 3, struct(get, GetxattrIn.BYTES, (s, b) -> s.encode(b, 0)),
            name("user.x")).error());
        assertEquals(List.of("getxattr 3 user.x size-only", "getxattr 3 user.x room=65536",
            "getxattr 3 user.x room=65536"), calls());

        get.size = 0;
        Reply listSize = h.send(Opcode.LISTXATTR, 3, struct(get, GetxattrIn.BYTES, (s, b) -> s.encode(b, 0)));
        assertEquals(14, new GetxattrOut().decode(listSize.payload(), 0).size);
        get.size = 4096;
        Reply list = h.send(Opcode.LISTXATTR, 3, struct(get, GetxattrIn.BYTES, (s, b) -> s.encode(b, 0)));
        assertOk(list, 14);
        assertOk(h.send(Opcode.REMOVEXATTR, 3, name("user.x")), 0);
        assertEquals(List.of("listxattr 3 size-only", "listxattr 3 room=65536", "removexattr 3 user.x"), calls());
    }

    @Test
    void extendedAttributesAnswerEnosysUnlessEnabled() {
        ServerHarness off = new ServerHarness().init();
        GetxattrIn get = new GetxattrIn();
        byte[] getArgs = struct(get, GetxattrIn.BYTES, (s, b) -> s.encode(b, 0));
        byte[] setArgs = new byte[SetxattrIn.COMPAT_BYTES];
        assertEquals(-Errno.ENOSYS, off.send(Opcode.GETXATTR, 1, getArgs, name("security.capability")).error());
        assertEquals(-Errno.ENOSYS, off.send(Opcode.LISTXATTR, 1, getArgs).error());
        assertEquals(-Errno.ENOSYS, off.send(Opcode.SETXATTR, 1, setArgs, name("user.a")).error());
        assertEquals(-Errno.ENOSYS, off.send(Opcode.REMOVEXATTR, 1, name("user.a")).error());
        assertEquals(List.of(), off.fs.calls);
    }

    @Test
    void unsupportedAndUnknownOpcodesAnswerEnosys() {
        for (int opcode : new int[] {Opcode.GETLK, Opcode.SETLK, Opcode.SETLKW, Opcode.BMAP, Opcode.POLL,
            Opcode.NOTIFY_REPLY, Opcode.COPY_FILE_RANGE, Opcode.SETUPMAPPING, Opcode.REMOVEMAPPING, Opcode.TMPFILE,
            Opcode.STATX, 7, 19, 53, 4096, 99999, -1}) {
            Reply r = h.send(opcode, 1, new byte[64]);
            assertEquals(-Errno.ENOSYS, r.error(), Opcode.name(opcode));
            assertEquals(16, r.used());
        }
        // IOCTL reaches a file system that lacks it only when its input size matches (none here).
        assertEquals(-Errno.ENOSYS, h.send(Opcode.IOCTL, 1, new byte[32]).error());
        assertEquals(List.of(), h.fs.calls);
    }

    @Test
    void interruptIsANoOpWithoutReply() {
        Reply r = h.sendWithRoom(0, Opcode.INTERRUPT, 0, new byte[8]);
        assertEquals(0, r.used());
        assertEquals(List.of(), h.fs.calls);
    }

    @Test
    void fileSystemErrorsPassThroughAndImpossibleOnesBecomeEio() {
        h.fs.results.put("unlink", (long) -Errno.EACCES);
        assertEquals(-Errno.EACCES, h.send(Opcode.UNLINK, 1, name("x")).error());
        h.fs.results.put("unlink", -99999L);
        assertEquals(-Errno.EIO, h.send(Opcode.UNLINK, 1, name("x")).error());
        h.fs.results.put("unlink", (long) Integer.MIN_VALUE);
        assertEquals(-Errno.EIO, h.send(Opcode.UNLINK, 1, name("x")).error());
        h.fs.results.put("lseek", Long.MIN_VALUE);
        assertEquals(-Errno.EIO, h.send(Opcode.LSEEK, 1, new byte[LseekIn.BYTES]).error());
    }

    @Test
    void anExceptionFromTheFileSystemAnswersEioAndServingGoesOn() {
        h.fs.throwOnNextCall = new IllegalStateException("broken file system");
        Reply r = h.send(Opcode.LOOKUP, 1, name("a"));
        assertEquals(-Errno.EIO, r.error());
        assertEquals(h.nextUnique() - 1, r.unique());
        assertOk(h.send(Opcode.LOOKUP, 1, name("b")), EntryOut.BYTES);

        h.fs.throwOnNextCall = new IllegalStateException("broken forget");
        ForgetIn f = new ForgetIn();
        assertEquals(0, h.sendWithRoom(0, Opcode.FORGET, 1, struct(f, ForgetIn.BYTES, (s, b) -> s.encode(b, 0))).used(),
            "no reply to a FORGET, even after an exception");
    }

    @Test
    void theCallersIdentityReachesTheFileSystem() {
        h.send(Opcode.LOOKUP, 1, name("x"));
        assertTrue(calls().get(0).startsWith("lookup 1000/1001/4242 "));
    }

    @Test
    void workerThreadsServeConcurrently() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    for (int i = 0; i < 200; i++) {
                        long unique = thread * 1000L + i;
                        ByteBuffer req = FuseRequests.request(Opcode.LOOKUP, unique, 1, 0, name("t" + thread + "-" + i));
                        BufferMemory m = new BufferMemory(req, 4096);
                        int used = h.server.handle(1 + thread % 2, m);
                        Reply r = Reply.of(used, m);
                        if (r.error() != 0 || r.unique() != unique || used != 16 + EntryOut.BYTES) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> f : results) {
                assertTrue(f.get(30, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(800, h.fs.calls.size());
    }
}
