package dev.jvirtiofsd.daemon.fs;

import static dev.jvirtiofsd.daemon.fs.FsFixture.ROOT;
import static dev.jvirtiofsd.daemon.fs.FsFixture.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.jvirtiofsd.daemon.sys.Errno;
import dev.jvirtiofsd.daemon.sys.FileMode;

/** MKDIR, MKNOD, SYMLINK, READLINK, UNLINK, RMDIR, RENAME(2) and LINK. */
class NamespaceTest {
    private FsFixture f;

    @BeforeEach
    void setUp() throws IOException {
        f = FsFixture.create();
    }

    @AfterEach
    void tearDown() throws IOException {
        f.close();
    }

    @Test
    void mkdirCreatesWithTheGuestsModeAndCountsALookup() throws IOException {
        Entry d = f.mkdir(ROOT, "d", 0777);
        assertTrue(FileMode.isDirectory(d.attr.mode));
        assertEquals(0777, d.attr.mode & 07777, "modes as sent: the process umask is 0");
        assertEquals(0777, FsFixture.unixLong(f.shared.resolve("d"), "mode") & 07777);
        assertEquals(1, f.fs.lookupCount(d.nodeId));
        assertEquals(d.nodeId, f.lookup(ROOT, "d").nodeId);
        Entry nested = f.mkdir(d.nodeId, "e", 0700);
        assertTrue(Files.isDirectory(f.shared.resolve("d/e")));
        assertEquals(0700, nested.attr.mode & 07777);
        assertEquals(-Errno.EEXIST, f.fs.mkdir(f.ctx, ROOT, b("d"), 0755, 0, new Entry()));
        Files.writeString(f.shared.resolve("file"), "");
        long file = f.lookup(ROOT, "file").nodeId;
        assertEquals(-Errno.ENOTDIR, f.fs.mkdir(f.ctx, file, b("x"), 0755, 0, new Entry()));
        assertEquals(-Errno.EBADF, f.fs.mkdir(f.ctx, 4242, b("x"), 0755, 0, new Entry()));
    }

    @Test
    void mknodMakesFifosSocketsAndRegularFiles() throws IOException {
        Entry fifo = new Entry();
        assertEquals(0, f.fs.mknod(f.ctx, ROOT, b("fifo"), FileMode.S_IFIFO | 0640, 0, 0, fifo));
        assertEquals(FileMode.S_IFIFO | 0640, fifo.attr.mode);
        assertEquals(FileMode.S_IFIFO | 0640, FsFixture.unixLong(f.shared.resolve("fifo"), "mode"));
        Entry sock = new Entry();
        assertEquals(0, f.fs.mknod(f.ctx, ROOT, b("sock"), FileMode.S_IFSOCK | 0600, 0, 0, sock));
        assertEquals(FileMode.S_IFSOCK, sock.attr.mode & FileMode.S_IFMT);
        Entry reg = new Entry();
        assertEquals(0, f.fs.mknod(f.ctx, ROOT, b("reg"), FileMode.S_IFREG | 0604, 0, 0, reg));
        assertTrue(Files.isRegularFile(f.shared.resolve("reg")));
        assertEquals(FileMode.S_IFREG | 0604, reg.attr.mode);
        Entry chr = new Entry();
        assertEquals(0, f.fs.mknod(f.ctx, ROOT, b("null"), FileMode.S_IFCHR | 0600, 0x103, 0, chr));
        assertEquals(0x103, chr.attr.rdev, "rdev in the FUSE (new_encode_dev) form");
        assertEquals(-Errno.EEXIST, f.fs.mknod(f.ctx, ROOT, b("fifo"), FileMode.S_IFIFO | 0600, 0, 0, new Entry()));
    }

    @Test
    void symlinkStoresTheTargetAndReadlinkReturnsIt() throws IOException {
        Entry link = new Entry();
        byte[] target = b("some/relative/../target");
        assertEquals(0, f.fs.symlink(f.ctx, ROOT, b("l"), target, link));
        assertTrue(FileMode.isSymlink(link.attr.mode));
        assertEquals(target.length, link.attr.size);
        assertEquals(Path.of("some/relative/../target"), Files.readSymbolicLink(f.shared.resolve("l")));
        byte[] buf = new byte[4096];
        int n = f.fs.readlink(f.ctx, link.nodeId, buf);
        assertArrayEquals(target, Arrays.copyOf(buf, n));
        assertEquals(-Errno.EEXIST, f.fs.symlink(f.ctx, ROOT, b("l"), target, new Entry()));
        assertEquals(-Errno.EINVAL, f.fs.symlink(f.ctx, ROOT, b("m"), b("a\0b"), new Entry()), "NUL in the target");
        assertEquals(-Errno.ENOENT, f.fs.symlink(f.ctx, ROOT, b("m"), new byte[0], new Entry()), "empty target");
        assertEquals(-Errno.ENAMETOOLONG, f.fs.symlink(f.ctx, ROOT, b("m"), b("a".repeat(5000)), new Entry()));
        Files.writeString(f.shared.resolve("plain"), "");
        long plain = f.lookup(ROOT, "plain").nodeId;
        assertEquals(-Errno.ENOENT, f.fs.readlink(f.ctx, plain, buf), "readlinkat(fd, \"\") of a non-symlink");
    }

    @Test
    void unlinkAndRmdir() throws IOException {
        Files.writeString(f.shared.resolve("file"), "");
        Files.createDirectories(f.shared.resolve("full/inner"));
        Files.createDirectory(f.shared.resolve("empty"));
        assertEquals(-Errno.EISDIR, f.fs.unlink(f.ctx, ROOT, b("empty")));
        assertEquals(-Errno.ENOTDIR, f.fs.rmdir(f.ctx, ROOT, b("file")));
        assertEquals(-Errno.ENOTEMPTY, f.fs.rmdir(f.ctx, ROOT, b("full")));
        assertEquals(0, f.fs.unlink(f.ctx, ROOT, b("file")));
        assertFalse(Files.exists(f.shared.resolve("file")));
        assertEquals(-Errno.ENOENT, f.fs.unlink(f.ctx, ROOT, b("file")));
        assertEquals(0, f.fs.rmdir(f.ctx, ROOT, b("empty")));
        assertFalse(Files.exists(f.shared.resolve("empty")));
        assertEquals(-Errno.ENOENT, f.fs.rmdir(f.ctx, ROOT, b("empty")));
    }

    @Test
    void aLookedUpFileStaysUsableAfterUnlink() throws IOException {
        Files.writeString(f.shared.resolve("file"), "data");
        long node = f.lookup(ROOT, "file").nodeId;
        assertEquals(0, f.fs.unlink(f.ctx, ROOT, b("file")));
        Attr a = f.getattr(node);
        assertEquals(0, a.nlink);
        assertEquals(4, a.size);
    }

    @Test
    void renameMovesAndReplaces() throws IOException {
        Files.writeString(f.shared.resolve("a"), "A");
        Files.writeString(f.shared.resolve("b"), "B");
        Files.createDirectory(f.shared.resolve("d"));
        long d = f.lookup(ROOT, "d").nodeId;
        long a = f.lookup(ROOT, "a").nodeId;
        assertEquals(0, f.fs.rename(f.ctx, ROOT, b("a"), ROOT, b("b"), 0), "over an existing file");
        assertEquals("A", Files.readString(f.shared.resolve("b")));
        assertFalse(Files.exists(f.shared.resolve("a")));
        assertEquals(a, f.lookup(ROOT, "b").nodeId, "the node follows the file");
        assertEquals(0, f.fs.rename(f.ctx, ROOT, b("b"), d, b("moved"), 0), "into another directory");
        assertEquals("A", Files.readString(f.shared.resolve("d/moved")));
        assertEquals(-Errno.ENOENT, f.fs.rename(f.ctx, ROOT, b("b"), d, b("x"), 0));
        Files.createDirectories(f.shared.resolve("full/inner"));
        Files.createDirectory(f.shared.resolve("empty"));
        assertEquals(-Errno.ENOTEMPTY, f.fs.rename(f.ctx, ROOT, b("empty"), ROOT, b("full"), 0));
        assertEquals(-Errno.EISDIR, f.fs.rename(f.ctx, d, b("moved"), ROOT, b("empty"), 0));
        assertEquals(-Errno.ENOTDIR, f.fs.rename(f.ctx, ROOT, b("empty"), d, b("moved"), 0));
        assertEquals(-Errno.EBADF, f.fs.rename(f.ctx, ROOT, b("empty"), 999, b("x"), 0));
    }

    @Test
    void renameNoreplaceAndExchange() throws IOException {
        Files.writeString(f.shared.resolve("a"), "A");
        Files.writeString(f.shared.resolve("b"), "B");
        int noreplace = 1;
        int exchange = 2;
        assertEquals(-Errno.EEXIST, f.fs.rename(f.ctx, ROOT, b("a"), ROOT, b("b"), noreplace));
        assertEquals("B", Files.readString(f.shared.resolve("b")));
        assertEquals(0, f.fs.rename(f.ctx, ROOT, b("a"), ROOT, b("c"), noreplace));
        assertEquals(0, f.fs.rename(f.ctx, ROOT, b("c"), ROOT, b("b"), exchange));
        assertEquals("B", Files.readString(f.shared.resolve("c")));
        assertEquals("A", Files.readString(f.shared.resolve("b")));
        assertEquals(-Errno.ENOENT, f.fs.rename(f.ctx, ROOT, b("c"), ROOT, b("zz"), exchange));
        assertEquals(-Errno.EINVAL, f.fs.rename(f.ctx, ROOT, b("c"), ROOT, b("b"), noreplace | exchange));
    }

    @Test
    void linkMakesASecondNameForTheSameNode() throws IOException {
        Files.writeString(f.shared.resolve("a"), "A");
        Files.createDirectory(f.shared.resolve("d"));
        long a = f.lookup(ROOT, "a").nodeId;
        long d = f.lookup(ROOT, "d").nodeId;
        Entry e = new Entry();
        assertEquals(0, f.fs.link(f.ctx, a, d, b("second"), e));
        assertEquals(a, e.nodeId, "the same inode, the same node");
        assertEquals(2, e.attr.nlink);
        assertEquals(2, f.fs.lookupCount(a));
        assertEquals(2, FsFixture.unixLong(f.shared.resolve("a"), "nlink"));
        assertEquals(FsFixture.unixLong(f.shared.resolve("a"), "ino"), FsFixture.unixLong(f.shared.resolve("d/second"), "ino"));
        assertEquals(-Errno.EEXIST, f.fs.link(f.ctx, a, d, b("second"), new Entry()));
        assertEquals(-Errno.EPERM, f.fs.link(f.ctx, d, ROOT, b("dirlink"), new Entry()), "no hard links to directories");
        assertEquals(-Errno.EBADF, f.fs.link(f.ctx, 999, d, b("x"), new Entry()));
    }
}
