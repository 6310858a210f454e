package dev.jvirtiofsd.daemon.fs;

import static dev.jvirtiofsd.daemon.fs.FsFixture.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.jvirtiofsd.daemon.sys.Errno;
import dev.jvirtiofsd.daemon.sys.Fcntl;
import dev.jvirtiofsd.daemon.sys.FileMode;

/** SETATTR of each kind, through the inode and through a handle. */
class SetattrTest {
    private FsFixture f;
    private Path file;
    private long node;

    @BeforeEach
    void setUp() throws IOException {
        f = FsFixture.create();
        file = f.shared.resolve("f");
        Files.writeString(file, "0123456789");
        node = f.lookup(ROOT, "f").nodeId;
    }

    @AfterEach
    void tearDown() throws IOException {
        f.close();
    }

    private int setattr(long nodeId, SetAttrRequest in, Attr out) {
        return f.fs.setattr(f.ctx, nodeId, in, out);
    }

    private static SetAttrRequest request(int valid) {
        SetAttrRequest in = new SetAttrRequest();
        in.valid = valid;
        return in;
    }

    @Test
    void mode() throws IOException {
        SetAttrRequest in = request(FuseFlags.FATTR_MODE);
        in.mode = FileMode.S_IFREG | 04711;
        Attr out = new Attr();
        assertEquals(0, setattr(node, in, out));
        assertEquals(FileMode.S_IFREG | 04711, out.mode, "the reply carries the new attributes");
        assertEquals(04711, FsFixture.unixLong(file, "mode") & 07777);
    }

    @Test
    void ownerAndGroupSeparatelyAndTogether() throws IOException {
        SetAttrRequest in = request(FuseFlags.FATTR_UID);
        in.uid = 1234;
        in.gid = 9999; // not valid: ignored
        Attr out = new Attr();
        assertEquals(0, setattr(node, in, out));
        assertEquals(1234, FsFixture.unixLong(file, "uid"));
        assertEquals(0, FsFixture.unixLong(file, "gid"));
        in = request(FuseFlags.FATTR_GID);
        in.gid = 5678;
        assertEquals(0, setattr(node, in, out));
        assertEquals(1234, out.uid);
        assertEquals(5678, out.gid);
        in = request(FuseFlags.FATTR_UID | FuseFlags.FATTR_GID);
        in.uid = 1;
        in.gid = 2;
        assertEquals(0, setattr(node, in, out));
        assertEquals(1, FsFixture.unixLong(file, "uid"));
        assertEquals(2, FsFixture.unixLong(file, "gid"));
    }

    @Test
    void ownerOfASymlinkIsTheLinksOwn() throws IOException {
        Files.createSymbolicLink(f.shared.resolve("l"), f.canary);
        long link = f.lookup(ROOT, "l").nodeId;
        SetAttrRequest in = request(FuseFlags.FATTR_UID | FuseFlags.FATTR_GID);
        in.uid = 4321;
        in.gid = 4321;
        assertEquals(0, setattr(link, in, new Attr()));
        assertEquals(4321, FsFixture.unixLong(f.shared.resolve("l"), "uid"));
        assertEquals(0, FsFixture.unixLong(f.canary, "uid"), "the target is not touched");
    }

    @Test
    void sizeWithoutAndWithAHandle() throws IOException {
        SetAttrRequest in = request(FuseFlags.FATTR_SIZE);
        in.size = 4;
        Attr out = new Attr();
        assertEquals(0, setattr(node, in, out));
        assertEquals(4, out.size);
        assertEquals("0123", Files.readString(file));

        long fh = f.open(node, Fcntl.O_RDWR);
        in = request(FuseFlags.FATTR_SIZE | FuseFlags.FATTR_FH);
        in.fh = fh;
        in.size = 100;
        assertEquals(0, setattr(node, in, out));
        assertEquals(100, Files.size(file));
        long readOnly = f.open(node, Fcntl.O_RDONLY);
        in.fh = readOnly;
        assertEquals(-Errno.EINVAL, setattr(node, in, out), "ftruncate of a read-only fd");
    }

    @Test
    void sizeOfADirectoryOrASpecialFile() throws IOException {
        Files.createDirectory(f.shared.resolve("d"));
        long d = f.lookup(ROOT, "d").nodeId;
        Entry fifo = new Entry();
        assertEquals(0, f.fs.mknod(f.ctx, ROOT, FsFixture.b("fifo"), FileMode.S_IFIFO | 0600, 0, 0, fifo));
        SetAttrRequest in = request(FuseFlags.FATTR_SIZE | FuseFlags.FATTR_MODE);
        in.size = 0;
        in.mode = 0777;
        assertEquals(-Errno.EISDIR, setattr(d, in, new Attr()));
        assertEquals(-Errno.EINVAL, setattr(fifo.nodeId, in, new Attr()), "truncate(2) of a FIFO");
        assertEquals(0600, FsFixture.unixLong(f.shared.resolve("fifo"), "mode") & 07777,
                "nothing changed before the refusal");
    }

    @Test
    void timesExplicitAndNow() throws IOException {
        SetAttrRequest in = request(FuseFlags.FATTR_ATIME | FuseFlags.FATTR_MTIME);
        in.atime = 1_000_000_000L;
        in.atimensec = 111;
        in.mtime = 1_100_000_000L;
        in.mtimensec = 222;
        Attr out = new Attr();
        assertEquals(0, setattr(node, in, out));
        assertEquals(1_000_000_000L, out.atime);
        assertEquals(111, out.atimensec);
        assertEquals(1_100_000_000L, out.mtime);
        assertEquals(222, out.mtimensec);

        in = request(FuseFlags.FATTR_MTIME | FuseFlags.FATTR_MTIME_NOW);
        assertEquals(0, setattr(node, in, out));
        assertTrue(out.mtime > 1_600_000_000L, "MTIME_NOW: " + out.mtime);
        assertEquals(1_000_000_000L, out.atime, "atime left alone");

        in = request(FuseFlags.FATTR_ATIME | FuseFlags.FATTR_ATIME_NOW);
        assertEquals(0, setattr(node, in, out));
        assertTrue(out.atime > 1_600_000_000L, "ATIME_NOW");

        in = request(FuseFlags.FATTR_ATIME);
        in.atimensec = 2_000_000_000; // more than a second of nanoseconds
        assertEquals(-Errno.EINVAL, setattr(node, in, out));
    }

    @Test
    void modeAndTimesThroughAHandle() throws IOException {
        long fh = f.open(node, Fcntl.O_RDONLY);
        SetAttrRequest in = request(FuseFlags.FATTR_FH | FuseFlags.FATTR_MODE | FuseFlags.FATTR_MTIME);
        in.fh = fh;
        in.mode = 0600;
        in.mtime = 1_200_000_000L;
        Attr out = new Attr();
        assertEquals(0, setattr(node, in, out));
        assertEquals(0600, out.mode & 07777);
        assertEquals(1_200_000_000L, out.mtime);
        assertEquals(1_200_000_000_000L, Files.getLastModifiedTime(file).toMillis());
    }

    @Test
    void aHandleOfAnotherNodeIsRefused() throws IOException {
        Files.writeString(f.shared.resolve("other"), "");
        long other = f.lookup(ROOT, "other").nodeId;
        long fh = f.open(other, Fcntl.O_RDWR);
        SetAttrRequest in = request(FuseFlags.FATTR_FH | FuseFlags.FATTR_SIZE);
        in.fh = fh;
        in.size = 0;
        assertEquals(-Errno.EBADF, setattr(node, in, new Attr()));
        assertEquals(10, Files.size(file));
        in.fh = 12345;
        assertEquals(-Errno.EBADF, setattr(other, in, new Attr()));
        assertEquals(-Errno.EBADF, setattr(999, request(FuseFlags.FATTR_MODE), new Attr()));
    }

    @Test
    void nothingValidJustReportsTheAttributes() {
        Attr out = new Attr();
        assertEquals(0, setattr(node, request(0), out));
        assertEquals(10, out.size);
    }
}
