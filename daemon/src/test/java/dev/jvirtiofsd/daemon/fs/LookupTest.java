package dev.jvirtiofsd.daemon.fs;

import static dev.jvirtiofsd.daemon.fs.FsFixture.ROOT;
import static dev.jvirtiofsd.daemon.fs.FsFixture.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.jvirtiofsd.daemon.CachePolicy;
import dev.jvirtiofsd.daemon.sys.Errno;
import dev.jvirtiofsd.daemon.sys.FileMode;

/** LOOKUP, FORGET, node ids and lookup counts, INIT and DESTROY. */
class LookupTest {
    private FsFixture f;

    @BeforeEach
    void setUp() throws IOException {
        f = FsFixture.create(b -> b.cachePolicy(CachePolicy.ALWAYS));
    }

    @AfterEach
    void tearDown() throws IOException {
        f.close();
    }

    @Test
    void rootStartsWithTwoLookups() {
        assertEquals(2, f.fs.lookupCount(ROOT));
        Attr root = f.getattr(ROOT);
        assertTrue(FileMode.isDirectory(root.mode));
    }

    @Test
    void lookupFillsTheEntryFromTheHostFile() throws IOException {
        Path file = f.shared.resolve("file");
        Files.write(file, new byte[321]);
        Entry e = f.lookup(ROOT, "file");
        assertEquals(2, e.nodeId, "the first node after the root");
        assertEquals(0, e.generation);
        assertEquals(86400, e.entryValidSeconds, "timeouts of --cache=always");
        assertEquals(86400, e.attrValidSeconds);
        assertEquals(321, e.attr.size);
        assertEquals(FsFixture.unixLong(file, "ino"), e.attr.ino);
        assertEquals(FsFixture.unixLong(file, "mode"), e.attr.mode);
        assertEquals(1, e.attr.nlink);
        assertEquals(0, e.attr.flags);
        assertEquals(1, f.fs.lookupCount(e.nodeId));
    }

    @Test
    void aSecondLookupGivesTheSameNodeAndCountsIt() throws IOException {
        Files.writeString(f.shared.resolve("a"), "");
        Files.createDirectory(f.shared.resolve("d"));
        long a = f.lookup(ROOT, "a").nodeId;
        long d = f.lookup(ROOT, "d").nodeId;
        assertNotEquals(a, d);
        assertEquals(a, f.lookup(ROOT, "a").nodeId);
        assertEquals(a, f.lookup(ROOT, "a").nodeId);
        assertEquals(3, f.fs.lookupCount(a));
        assertEquals(1, f.fs.lookupCount(d));
        assertEquals(3, f.fs.inodeCount(), "root, a and d");
    }

    @Test
    void forgetToZeroClosesTheFdAndRetiresTheNodeId() throws IOException {
        Files.writeString(f.shared.resolve("a"), "");
        long before = f.sharedFdCount();
        long a = f.lookup(ROOT, "a").nodeId;
        f.lookup(ROOT, "a");
        assertEquals(before + 1, f.sharedFdCount(), "one O_PATH fd per inode, not per lookup");
        f.fs.forget(a, 1);
        assertEquals(1, f.fs.lookupCount(a));
        assertEquals(before + 1, f.sharedFdCount());
        f.fs.forget(a, 1);
        assertEquals(0, f.fs.lookupCount(a));
        assertEquals(before, f.sharedFdCount(), "the fd is closed at zero");
        assertEquals(-Errno.EBADF, f.fs.getattr(f.ctx, a, -1, new Attr()));
        long again = f.lookup(ROOT, "a").nodeId;
        assertTrue(again > a, "node ids are never reused");
    }

    @Test
    void forgetSaturatesAndIgnoresUnknownNodes() throws IOException {
        Files.writeString(f.shared.resolve("a"), "");
        long a = f.lookup(ROOT, "a").nodeId;
        f.fs.forget(a, -1); // 2^64 - 1: more than was ever looked up
        assertEquals(0, f.fs.lookupCount(a));
        f.fs.forget(a, 1);
        f.fs.forget(12345, 1);
        f.fs.forget(0, 1);
        assertEquals(1, f.fs.inodeCount());
    }

    @Test
    void dotIsTheNodeItselfAndDotDotItsParent() throws IOException {
        Files.createDirectories(f.shared.resolve("d/e"));
        long d = f.lookup(ROOT, "d").nodeId;
        long e = f.lookup(d, "e").nodeId;
        assertEquals(e, f.lookup(e, ".").nodeId);
        assertEquals(2, f.fs.lookupCount(e));
        assertEquals(d, f.lookup(e, "..").nodeId);
        assertEquals(2, f.fs.lookupCount(d));
        assertEquals(ROOT, f.lookup(d, "..").nodeId);
        assertEquals(3, f.fs.lookupCount(ROOT));
    }

    @Test
    void dotDotAtTheRootIsTheRoot() {
        assertEquals(ROOT, f.lookup(ROOT, "..").nodeId);
        assertEquals(ROOT, f.lookup(ROOT, ".").nodeId);
        assertEquals(4, f.fs.lookupCount(ROOT));
    }

    @Test
    void errorsOfLookup() throws IOException {
        Files.writeString(f.shared.resolve("file"), "");
        long file = f.lookup(ROOT, "file").nodeId;
        assertEquals(-Errno.ENOENT, f.lookupError(ROOT, b("missing")));
        assertEquals(-Errno.ENOTDIR, f.lookupError(file, b("x")));
        assertEquals(-Errno.EBADF, f.lookupError(999, b("x")), "unknown parent");
        assertEquals(-Errno.ENOTDIR, f.lookupError(file, b("..")));
    }

    @Test
    void initStartsOverAndDestroyDropsEverything() throws IOException {
        Files.writeString(f.shared.resolve("a"), "");
        long before = f.sharedFdCount();
        long a = f.lookup(ROOT, "a").nodeId;
        long fh = f.open(a, 0);
        assertEquals(before + 2, f.sharedFdCount());
        assertEquals(0, f.fs.init(0));
        assertEquals(before, f.sharedFdCount(), "inodes and handles from before INIT are closed");
        assertEquals(-Errno.EBADF, f.fs.getattr(f.ctx, a, -1, new Attr()));
        assertEquals(-Errno.EBADF, f.fs.release(f.ctx, a, fh, 0));
        assertEquals(2, f.fs.lookupCount(ROOT));
        assertTrue(f.lookup(ROOT, "a").nodeId > a);
        f.fs.destroy();
        assertEquals(0, f.fs.inodeCount());
        assertEquals(-Errno.EBADF, f.fs.getattr(f.ctx, ROOT, -1, new Attr()));
        assertEquals(before - 1, f.sharedFdCount(), "the root's fd too");
    }

    @Test
    void initFailsWhenTheSharedDirectoryIsGone() throws IOException {
        Files.delete(f.shared);
        assertEquals(-Errno.ENOENT, f.fs.init(0));
        Files.createDirectory(f.shared);
    }

    @Test
    void directoriesOnAnotherMountAreMarkedAsSubmounts() throws IOException {
        // A mount below a temporary directory would need mount(2); "/" exported read-only has
        // one already: /proc.
        try (FsFixture rootShare = FsFixture.exporting(Path.of("/"), FuseFlags.FUSE_SUBMOUNTS)) {
            Entry proc = rootShare.lookup(ROOT, "proc");
            assertEquals(FuseFlags.FUSE_ATTR_SUBMOUNT, proc.attr.flags & FuseFlags.FUSE_ATTR_SUBMOUNT);
            Entry etc = rootShare.lookup(ROOT, "etc");
            assertEquals(0, etc.attr.flags);
        }
        try (FsFixture quiet = FsFixture.exporting(Path.of("/"), 0)) {
            assertEquals(0, quiet.lookup(ROOT, "proc").attr.flags, "not without FUSE_SUBMOUNTS");
        }
    }
}
