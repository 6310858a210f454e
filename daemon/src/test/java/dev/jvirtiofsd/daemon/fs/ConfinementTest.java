package dev.jvirtiofsd.daemon.fs;

import static dev.jvirtiofsd.daemon.fs.FsFixture.ROOT;
import static dev.jvirtiofsd.daemon.fs.FsFixture.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.jvirtiofsd.daemon.sys.Errno;
import dev.jvirtiofsd.daemon.sys.ErrnoException;
import dev.jvirtiofsd.daemon.sys.Fcntl;
import dev.jvirtiofsd.daemon.sys.FileMode;

/**
 * A hostile guest cannot reach outside the shared directory: not with names, not through
 * symlinks, not through "..", with or without openat2.
 */
class ConfinementTest {
    private static final FileTime LONG_AGO = FileTime.fromMillis(946_684_800_000L); // 2000-01-01

    private static final byte[][] HOSTILE_NAMES = {
        b(".."), b("."), b("../.."), b("../outside/canary"), b("a/b"), b("/"), b("/etc/passwd"), new byte[0],
        b("a\0b"), b("\0"), b("x".repeat(256)),
    };

    /** How the inodes are held: by O_PATH fd here; {@link ConfinementWithFileHandlesTest} by handle. */
    InodeFileHandles inodeFileHandles() {
        return InodeFileHandles.NEVER;
    }

    private FsFixture fixture(boolean openat2) throws IOException {
        FsFixture f = FsFixture.create(c -> c.useOpenat2(openat2).xattr(true).inodeFileHandles(inodeFileHandles()));
        assertEquals(openat2, f.fs.usesOpenat2());
        return f;
    }

    /** Every file below {@code dir} with its size, mode, link count, mtime and ctime. */
    private static Map<String, String> snapshot(Path dir) throws IOException {
        Map<String, String> state = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                state.put(dir.relativize(p).toString(), Files.size(p) + " " + FsFixture.unixLong(p, "mode") + " "
                        + FsFixture.unixLong(p, "nlink") + " " + Files.getAttribute(p, "unix:lastModifiedTime",
                        LinkOption.NOFOLLOW_LINKS) + " " + Files.getAttribute(p, "unix:ctime", LinkOption.NOFOLLOW_LINKS));
            }
        }
        return state;
    }

    private static void makeOld(Path p) throws IOException {
        Files.getFileAttributeView(p, BasicFileAttributeView.class).setTimes(LONG_AGO, LONG_AGO, null);
    }

    private static FileTime atime(Path p) throws IOException {
        return (FileTime) Files.getAttribute(p, "lastAccessTime", LinkOption.NOFOLLOW_LINKS);
    }

    @ParameterizedTest(name = "openat2 {0}")
    @ValueSource(booleans = {true, false})
    void hostileNamesAreRefusedByEveryOperation(boolean openat2) throws IOException {
        try (FsFixture f = fixture(openat2)) {
            Files.writeString(f.shared.resolve("file"), "data");
            Files.createDirectory(f.shared.resolve("dir"));
            long file = f.lookup(ROOT, "file").nodeId;
            Map<String, String> before = snapshot(f.base);
            for (byte[] name : HOSTILE_NAMES) {
                String what = Arrays.toString(name);
                if (name.length != 2 && name.length != 1) {
                    assertTrue(f.lookupError(ROOT, name) < 0, "lookup " + what);
                }
                assertTrue(f.fs.mkdir(f.ctx, ROOT, name, 0755, 0, new Entry()) < 0, "mkdir " + what);
                assertTrue(f.fs.mknod(f.ctx, ROOT, name, FileMode.S_IFREG | 0644, 0, 0, new Entry()) < 0, "mknod " + what);
                assertTrue(f.fs.symlink(f.ctx, ROOT, name, b("target"), new Entry()) < 0, "symlink " + what);
                assertTrue(f.fs.create(f.ctx, ROOT, name, 0644, Fcntl.O_RDWR, 0, new Entry(), new OpenResult()) < 0,
                        "create " + what);
                assertTrue(f.fs.unlink(f.ctx, ROOT, name) < 0, "unlink " + what);
                assertTrue(f.fs.rmdir(f.ctx, ROOT, name) < 0, "rmdir " + what);
                assertTrue(f.fs.rename(f.ctx, ROOT, b("file"), ROOT, name, 0) < 0, "rename to " + what);
                assertTrue(f.fs.rename(f.ctx, ROOT, name, ROOT, b("new"), 0) < 0, "rename from " + what);
                assertTrue(f.fs.link(f.ctx, file, ROOT, name, new Entry()) < 0, "link " + what);
            }
            assertEquals(before, snapshot(f.base), "nothing changed anywhere");
            assertEquals("canary", Files.readString(f.canary));
        }
    }

    @ParameterizedTest(name = "openat2 {0}")
    @ValueSource(booleans = {true, false})
    void theErrnoOfEachKindOfBadName(boolean openat2) throws IOException {
        try (FsFixture f = fixture(openat2)) {
            assertEquals(-Errno.EINVAL, f.lookupError(ROOT, b("../..")));
            assertEquals(-Errno.EINVAL, f.lookupError(ROOT, b("a/b")));
            assertEquals(-Errno.EINVAL, f.lookupError(ROOT, b("/")));
            assertEquals(-Errno.ENOENT, f.lookupError(ROOT, new byte[0]));
            assertEquals(-Errno.EINVAL, f.lookupError(ROOT, b("a\0b")));
            assertEquals(-Errno.ENAMETOOLONG, f.lookupError(ROOT, b("x".repeat(256))));
            assertEquals(-Errno.ENOENT, f.lookupError(ROOT, null));
            assertEquals(-Errno.EINVAL, f.fs.mkdir(f.ctx, ROOT, b(".."), 0755, 0, new Entry()));
            assertEquals(-Errno.EINVAL, f.fs.unlink(f.ctx, ROOT, b(".")));
            String longest = "y".repeat(255);
            assertEquals(0, f.fs.mkdir(f.ctx, ROOT, b(longest), 0755, 0, new Entry()), "255 bytes is allowed");
            assertTrue(Files.isDirectory(f.shared.resolve(longest)));
        }
    }

    @ParameterizedTest(name = "openat2 {0}")
    @ValueSource(booleans = {true, false})
    void dotDotNeverClimbsAboveTheRoot(boolean openat2) throws IOException {
        try (FsFixture f = fixture(openat2)) {
            Entry up = f.lookup(ROOT, "..");
            assertEquals(ROOT, up.nodeId);
            assertEquals(FsFixture.unixLong(f.shared, "ino"), up.attr.ino, "the shared directory, not its parent");
            Files.createDirectories(f.shared.resolve("a/b"));
            long a = f.lookup(ROOT, "a").nodeId;
            long b = f.lookup(a, "b").nodeId;
            assertEquals(a, f.lookup(b, "..").nodeId);
            assertEquals(ROOT, f.lookup(a, "..").nodeId);
            assertEquals(ROOT, f.lookup(f.lookup(ROOT, "..").nodeId, "..").nodeId);
        }
    }

    @ParameterizedTest(name = "openat2 {0}")
    @ValueSource(booleans = {true, false})
    void dotDotOfADirectoryMovedOutOfTheTreeLeadsNowhere(boolean openat2) throws IOException {
        try (FsFixture f = fixture(openat2)) {
            Files.createDirectories(f.shared.resolve("a/b"));
            long a = f.lookup(ROOT, "a").nodeId;
            long b = f.lookup(a, "b").nodeId;
            Files.move(f.shared.resolve("a"), f.outside.resolve("a"));
            assertEquals(-Errno.ENOENT, f.lookupError(b, b("..")), "its parent is outside the shared directory now");
            assertEquals(-Errno.ENOENT, f.lookupError(a, b("..")));
            assertEquals(-Errno.EINVAL, f.lookupError(a, b("../canary")));
            assertEquals(b, f.lookup(b, ".").nodeId, "a node the guest holds stays usable");
        }
    }

    @ParameterizedTest(name = "openat2 {0}")
    @ValueSource(booleans = {true, false})
    void symlinksPointingOutsideAreStoredAndReadButNeverFollowed(boolean openat2) throws IOException {
        try (FsFixture f = fixture(openat2)) {
            Path control = f.outside.resolve("control");
            Files.writeString(control, "control");
            makeOld(control);
            Files.readString(control);
            Assumptions.assumeTrue(!atime(control).equals(LONG_AGO), "this filesystem records reads in atime");

            makeOld(f.canary);
            Files.createSymbolicLink(f.shared.resolve("rel"), Path.of("../outside/canary"));
            Files.createSymbolicLink(f.shared.resolve("abs"), f.canary);
            Files.createSymbolicLink(f.shared.resolve("dirlink"), Path.of("../outside"));
            Map<String, String> before = snapshot(f.outside);

            Entry rel = f.lookup(ROOT, "rel");
            Entry abs = f.lookup(ROOT, "abs");
            Entry dirlink = f.lookup(ROOT, "dirlink");
            assertTrue(FileMode.isSymlink(rel.attr.mode));
            assertTrue(FileMode.isSymlink(abs.attr.mode));
            byte[] buf = new byte[4096];
            int n = f.fs.readlink(f.ctx, rel.nodeId, buf);
            assertArrayEquals(b("../outside/canary"), Arrays.copyOf(buf, n));
            n = f.fs.readlink(f.ctx, abs.nodeId, buf);
            assertArrayEquals(b(f.canary.toString()), Arrays.copyOf(buf, n));
            assertEquals(b("../outside/canary").length, f.getattr(rel.nodeId).size, "the link's own attributes");

            for (Entry link : new Entry[] {rel, abs, dirlink}) {
                long node = link.nodeId;
                // Never opened: ELOOP, as open(O_NOFOLLOW) answers for a symlink.
                assertEquals(-Errno.ELOOP, f.fs.open(f.ctx, node, Fcntl.O_RDWR | Fcntl.O_TRUNC, new OpenResult()));
                assertEquals(-Errno.ELOOP, f.fs.opendir(f.ctx, node, Fcntl.O_RDONLY, new OpenResult()));
                assertEquals(-Errno.ENOTDIR, f.lookupError(node, b("canary")));
                assertEquals(-Errno.ENOTDIR, f.fs.mkdir(f.ctx, node, b("x"), 0755, 0, new Entry()));
                assertEquals(-Errno.ENOTDIR, f.fs.create(f.ctx, node, b("x"), 0644, Fcntl.O_RDWR, 0, new Entry(),
                        new OpenResult()));
                SetAttrRequest size = new SetAttrRequest();
                size.valid = FuseFlags.FATTR_SIZE;
                assertEquals(-Errno.EINVAL, f.fs.setattr(f.ctx, node, size, new Attr()), "truncate of a non-file");
                SetAttrRequest mode = new SetAttrRequest();
                mode.valid = FuseFlags.FATTR_MODE;
                mode.mode = 0777;
                assertEquals(-Errno.EOPNOTSUPP, f.fs.setattr(f.ctx, node, mode, new Attr()), "chmod of a symlink");
                SetAttrRequest times = new SetAttrRequest();
                times.valid = FuseFlags.FATTR_MTIME;
                times.mtime = 1_300_000_000L;
                assertEquals(0, f.fs.setattr(f.ctx, node, times, new Attr()), "the link's own times");
                assertEquals(-Errno.EPERM, f.fs.setxattr(f.ctx, node, b("user.x"), b("v"), 0));
                assertEquals(-Errno.EBADF, f.fs.syncfs(f.ctx, node));
            }
            assertEquals(-Errno.ELOOP, f.fs.create(f.ctx, ROOT, b("rel"), 0644, Fcntl.O_RDWR | Fcntl.O_TRUNC, 0,
                    new Entry(), new OpenResult()), "CREATE of an existing symlink name opens nothing");
            Entry hard = new Entry();
            assertEquals(0, f.fs.link(f.ctx, rel.nodeId, ROOT, b("hard"), hard), "a hard link to the symlink itself");
            assertEquals(rel.nodeId, hard.nodeId);
            assertEquals(0, f.fs.rename(f.ctx, ROOT, b("abs"), ROOT, b("renamed"), 0));
            assertTrue(Files.isSymbolicLink(f.shared.resolve("renamed")));

            assertEquals(before, snapshot(f.outside), "nothing outside changed");
            assertEquals(LONG_AGO, atime(f.canary), "the canary was never read");
            assertEquals("canary", Files.readString(f.canary));
        }
    }

    @ParameterizedTest(name = "openat2 {0}")
    @ValueSource(booleans = {true, false})
    void renameAndLinkCannotCrossTheBoundary(boolean openat2) throws IOException {
        try (FsFixture f = fixture(openat2)) {
            Files.writeString(f.shared.resolve("file"), "inside");
            long file = f.lookup(ROOT, "file").nodeId;
            Map<String, String> before = snapshot(f.outside);
            assertEquals(-Errno.EINVAL, f.fs.rename(f.ctx, ROOT, b("file"), ROOT, b("../outside/stolen"), 0));
            assertEquals(-Errno.EINVAL, f.fs.rename(f.ctx, ROOT, b("../outside/canary"), ROOT, b("mine"), 0));
            assertEquals(-Errno.EINVAL, f.fs.link(f.ctx, file, ROOT, b("../outside/stolen"), new Entry()));
            assertEquals(-Errno.EBADF, f.fs.rename(f.ctx, ROOT, b("file"), 0, b("x"), 0), "node 0 is nothing");
            assertEquals(-Errno.EBADF, f.fs.link(f.ctx, 0, ROOT, b("x"), new Entry()));
            assertEquals(before, snapshot(f.outside));
            assertEquals("inside", Files.readString(f.shared.resolve("file")));
        }
    }

    @ParameterizedTest(name = "openat2 {0}")
    @ValueSource(booleans = {true, false})
    void symlinksMadeByTheGuestAreNotFollowedEither(boolean openat2) throws IOException {
        try (FsFixture f = fixture(openat2)) {
            makeOld(f.canary);
            Entry link = new Entry();
            assertEquals(0, f.fs.symlink(f.ctx, ROOT, b("escape"), b(f.canary.toString()), link));
            assertEquals(-Errno.ELOOP, f.fs.open(f.ctx, link.nodeId, Fcntl.O_RDONLY, new OpenResult()));
            assertEquals(-Errno.EEXIST, f.fs.mkdir(f.ctx, ROOT, b("escape"), 0755, 0, new Entry()));
            assertEquals(0, f.fs.unlink(f.ctx, ROOT, b("escape")), "unlink removes the link");
            assertEquals(LONG_AGO, atime(f.canary));
            assertEquals("canary", Files.readString(f.canary));
        }
    }

    @ParameterizedTest(name = "openat2 {0}")
    @ValueSource(booleans = {true, false})
    void aSymlinkAsTheSharedDirectoryIsRefused(boolean openat2) throws IOException, ErrnoException {
        try (FsFixture f = fixture(openat2)) {
            Path link = f.base.resolve("link-to-outside");
            Files.createSymbolicLink(link, f.outside);
            PassthroughFs fs = new PassthroughFs(PassthroughConfig.builder(link).useOpenat2(openat2)
                    .inodeFileHandles(inodeFileHandles()).build());
            try {
                assertEquals(-Errno.ELOOP, fs.init(0));
                assertEquals(-Errno.EBADF, fs.lookup(f.ctx, ROOT, b("canary"), new Entry()));
            } finally {
                fs.close();
            }
        }
    }

    @ParameterizedTest(name = "openat2 {0}")
    @ValueSource(booleans = {true, false})
    void aRegularFileCanBeShared(boolean openat2) throws IOException, ErrnoException {
        try (FsFixture f = fixture(openat2)) {
            Path single = f.base.resolve("single");
            Files.writeString(single, "alone");
            PassthroughFs fs = new PassthroughFs(PassthroughConfig.builder(single).useOpenat2(openat2)
                    .inodeFileHandles(inodeFileHandles()).build());
            try {
                assertEquals(0, fs.init(0));
                Attr a = new Attr();
                assertEquals(0, fs.getattr(f.ctx, ROOT, -1, a));
                assertEquals(5, a.size);
                assertEquals(-Errno.ENOTDIR, fs.lookup(f.ctx, ROOT, b("x"), new Entry()));
                assertEquals(ROOT, lookupRoot(fs, f.ctx, ".."));
            } finally {
                fs.close();
            }
        }
    }

    private static long lookupRoot(PassthroughFs fs, RequestContext ctx, String name) {
        Entry e = new Entry();
        assertEquals(0, fs.lookup(ctx, ROOT, b(name), e));
        return e.nodeId;
    }
}
