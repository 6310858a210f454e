package dev.jvirtiofsd.daemon.fs;

import static dev.jvirtiofsd.daemon.fs.FsFixture.ROOT;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.jvirtiofsd.daemon.sys.Errno;
import dev.jvirtiofsd.daemon.sys.FileMode;

/** OPENDIR, READDIR continued from offsets, RELEASEDIR. */
class ReaddirTest {
    private FsFixture f;

    @BeforeEach
    void setUp() throws IOException {
        f = FsFixture.create();
    }

    @AfterEach
    void tearDown() throws IOException {
        f.close();
    }

    /** Takes entries while they fit into {@code budget} bytes of FUSE dirents (24 + name, 8-aligned). */
    private static final class BoundedSink implements DirSink {
        final Map<String, Integer> types;
        final Map<String, Long> inodes;
        int budget;
        int taken;
        long lastOffset = -1;

        BoundedSink(Map<String, Integer> types, Map<String, Long> inodes, int budget) {
            this.types = types;
            this.inodes = inodes;
            this.budget = budget;
        }

        @Override
        public boolean add(long ino, long nextOffset, int type, byte[] name, int nameLength) {
            int size = (24 + nameLength + 7) & ~7;
            if (size > budget) {
                return false;
            }
            budget -= size;
            String n = new String(name, 0, nameLength, UTF_8);
            assertNull(types.put(n, type), "listed twice: " + n);
            inodes.put(n, ino);
            taken++;
            lastOffset = nextOffset;
            return true;
        }
    }

    @Test
    void aThousandEntriesAcrossManyCalls() throws IOException {
        Files.createDirectory(f.shared.resolve("big"));
        for (int i = 0; i < 1000; i++) {
            Files.writeString(f.shared.resolve("big/entry-" + i), "");
        }
        Files.createDirectory(f.shared.resolve("big/subdir"));
        Files.createSymbolicLink(f.shared.resolve("big/link"), f.canary);
        long big = f.lookup(ROOT, "big").nodeId;
        long fh = f.opendir(big);

        Map<String, Integer> types = new HashMap<>();
        Map<String, Long> inodes = new HashMap<>();
        long offset = 0;
        int calls = 0;
        while (true) {
            BoundedSink sink = new BoundedSink(types, inodes, 4096);
            assertEquals(0, f.fs.readdir(f.ctx, big, fh, offset, sink));
            calls++;
            if (sink.taken == 0) {
                break;
            }
            offset = sink.lastOffset;
        }
        assertTrue(calls > 10, "calls: " + calls);
        assertEquals(1004, types.size(), "1000 files, subdir, link, . and ..");
        assertEquals(FileMode.DT_DIR, types.get("."));
        assertEquals(FileMode.DT_DIR, types.get(".."));
        assertEquals(FileMode.DT_DIR, types.get("subdir"));
        assertEquals(FileMode.DT_LNK, types.get("link"));
        assertEquals(FileMode.DT_REG, types.get("entry-999"));
        assertEquals(FsFixture.unixLong(f.shared.resolve("big/entry-7"), "ino"), inodes.get("entry-7"));
        assertEquals(FsFixture.unixLong(f.shared.resolve("big"), "ino"), inodes.get("."));
        assertEquals(1, f.fs.lookupCount(big), "readdir looks nothing up");
        assertEquals(0, f.fs.releasedir(f.ctx, big, fh));
    }

    @Test
    void offsetZeroStartsAgainAndAnOldOffsetResumes() throws IOException {
        for (int i = 0; i < 20; i++) {
            Files.writeString(f.shared.resolve("f" + i), "");
        }
        long fh = f.opendir(ROOT);
        Map<String, Integer> first = new HashMap<>();
        BoundedSink five = new BoundedSink(first, new HashMap<>(), 5 * 32);
        assertEquals(0, f.fs.readdir(f.ctx, ROOT, fh, 0, five));
        assertEquals(5, five.taken);

        Map<String, Integer> all = new HashMap<>();
        BoundedSink everything = new BoundedSink(all, new HashMap<>(), 1 << 20);
        assertEquals(0, f.fs.readdir(f.ctx, ROOT, fh, 0, everything));
        assertEquals(22, all.size());

        Map<String, Integer> rest = new HashMap<>();
        BoundedSink resumed = new BoundedSink(rest, new HashMap<>(), 1 << 20);
        assertEquals(0, f.fs.readdir(f.ctx, ROOT, fh, five.lastOffset, resumed));
        assertEquals(17, rest.size());
        for (String name : first.keySet()) {
            assertFalse(rest.containsKey(name), name);
        }
        BoundedSink atEnd = new BoundedSink(new HashMap<>(), new HashMap<>(), 1 << 20);
        assertEquals(0, f.fs.readdir(f.ctx, ROOT, fh, everything.lastOffset, atEnd));
        assertEquals(0, atEnd.taken);
    }

    @Test
    void aSinkMayLookUpEachEntryAsReaddirplusDoes() throws IOException {
        Files.createDirectory(f.shared.resolve("d"));
        for (int i = 0; i < 300; i++) {
            Files.writeString(f.shared.resolve("d/name-" + i), "x".repeat(i));
        }
        long d = f.lookup(ROOT, "d").nodeId;
        long fh = f.opendir(d);
        Map<String, Long> sizes = new HashMap<>();
        assertEquals(0, f.fs.readdir(f.ctx, d, fh, 0, (ino, next, type, name, length) -> {
            String n = new String(name, 0, length, UTF_8);
            if (!n.startsWith(".")) {
                Entry e = new Entry();
                assertEquals(0, f.fs.lookup(f.ctx, d, java.util.Arrays.copyOf(name, length), e), n);
                assertEquals(ino, e.attr.ino, n);
                sizes.put(n, e.attr.size);
            }
            return true;
        }));
        assertEquals(300, sizes.size());
        for (int i = 0; i < 300; i++) {
            assertEquals(i, sizes.get("name-" + i));
        }
    }

    @Test
    void aSinkThatTakesNothingEndsTheCall() throws IOException {
        long fh = f.opendir(ROOT);
        int[] offered = {0};
        assertEquals(0, f.fs.readdir(f.ctx, ROOT, fh, 0, (ino, next, type, name, length) -> {
            offered[0]++;
            return false;
        }));
        assertEquals(1, offered[0]);
    }

    @Test
    void handlesAreCheckedAndErrorsReported() throws IOException {
        Files.createDirectory(f.shared.resolve("d"));
        long d = f.lookup(ROOT, "d").nodeId;
        long fh = f.opendir(d);
        DirSink any = (ino, next, type, name, length) -> true;
        assertEquals(-Errno.EBADF, f.fs.readdir(f.ctx, ROOT, fh, 0, any), "handle of another node");
        assertEquals(-Errno.EBADF, f.fs.readdir(f.ctx, d, 99, 0, any));
        assertEquals(-Errno.EINVAL, f.fs.readdir(f.ctx, d, fh, -5, any), "a negative offset");
        assertEquals(-Errno.EBADF, f.fs.releasedir(f.ctx, ROOT, fh));
        assertEquals(0, f.fs.releasedir(f.ctx, d, fh));
        Files.writeString(f.shared.resolve("file"), "");
        long file = f.lookup(ROOT, "file").nodeId;
        long fileFh = f.open(file, 0);
        assertEquals(-Errno.ENOTDIR, f.fs.readdir(f.ctx, file, fileFh, 0, any));
    }

    @Test
    void aDirectoryRemovedWhileOpenAnswersTheKernelsErrno() throws IOException {
        Files.createDirectory(f.shared.resolve("gone"));
        long gone = f.lookup(ROOT, "gone").nodeId;
        long fh = f.opendir(gone);
        Files.delete(f.shared.resolve("gone"));
        BoundedSink sink = new BoundedSink(new HashMap<>(), new HashMap<>(), 4096);
        assertEquals(-Errno.ENOENT, f.fs.readdir(f.ctx, gone, fh, 0, sink));
        assertEquals(0, sink.taken);
    }
}
