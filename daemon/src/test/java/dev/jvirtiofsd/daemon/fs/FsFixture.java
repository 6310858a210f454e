package dev.jvirtiofsd.daemon.fs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.function.Consumer;
import java.util.stream.Stream;

import dev.jvirtiofsd.daemon.sys.ErrnoException;
import dev.jvirtiofsd.daemon.sys.Fcntl;

/**
 * A {@link PassthroughFs} over a fresh temporary tree: {@code base/shared} is exported,
 * {@code base/outside} holds a canary file the guest must never reach.
 */
final class FsFixture implements AutoCloseable {
    static final long ROOT = 1;

    final Path base;
    final Path shared;
    final Path outside;
    final Path canary;
    final PassthroughFs fs;
    final RequestContext ctx = new RequestContext().set(0, 0, 1);

    private FsFixture(Path exported, Consumer<PassthroughConfig.Builder> options, long initFlags) throws IOException {
        base = Files.createTempDirectory("jvirtiofsd-fs-");
        shared = Files.createDirectory(base.resolve("shared"));
        outside = Files.createDirectory(base.resolve("outside"));
        canary = outside.resolve("canary");
        Files.writeString(canary, "canary");
        PassthroughConfig.Builder builder = PassthroughConfig.builder(exported != null ? exported : shared);
        options.accept(builder);
        try {
            fs = new PassthroughFs(builder.build());
        } catch (ErrnoException e) {
            throw new IOException(e);
        }
        assertEquals(0, fs.init(initFlags));
    }

    static FsFixture create() throws IOException {
        return new FsFixture(null, b -> { }, 0);
    }

    static FsFixture create(Consumer<PassthroughConfig.Builder> options) throws IOException {
        return new FsFixture(null, options, 0);
    }

    static FsFixture create(Consumer<PassthroughConfig.Builder> options, long initFlags) throws IOException {
        return new FsFixture(null, options, initFlags);
    }

    /** Exports {@code exported} (only looked at, never changed, by the tests that use it). */
    static FsFixture exporting(Path exported, long initFlags) throws IOException {
        return new FsFixture(exported, b -> { }, initFlags);
    }

    /** Exports {@code exported} with {@code options} (only looked at, never changed, by the tests that use it). */
    static FsFixture exporting(Path exported, Consumer<PassthroughConfig.Builder> options, long initFlags)
            throws IOException {
        return new FsFixture(exported, options, initFlags);
    }

    static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

    Entry lookup(long parent, String name) {
        Entry e = new Entry();
        int ret = fs.lookup(ctx, parent, b(name), e);
        assertEquals(0, ret, "lookup " + name);
        assertTrue(e.nodeId > 0);
        return e;
    }

    int lookupError(long parent, byte[] name) {
        return fs.lookup(ctx, parent, name, new Entry());
    }

    Entry mkdir(long parent, String name, int mode) {
        Entry e = new Entry();
        assertEquals(0, fs.mkdir(ctx, parent, b(name), mode, 0, e), "mkdir " + name);
        return e;
    }

    /** CREATE with O_RDWR; returns {nodeId, fh}. */
    long[] create(long parent, String name, int mode) {
        Entry e = new Entry();
        OpenResult o = new OpenResult();
        assertEquals(0, fs.create(ctx, parent, b(name), mode, Fcntl.O_RDWR, 0, e, o), "create " + name);
        return new long[] {e.nodeId, o.fh};
    }

    long open(long nodeId, int flags) {
        OpenResult o = new OpenResult();
        assertEquals(0, fs.open(ctx, nodeId, flags, o), "open " + nodeId);
        return o.fh;
    }

    long opendir(long nodeId) {
        OpenResult o = new OpenResult();
        assertEquals(0, fs.opendir(ctx, nodeId, Fcntl.O_RDONLY, o), "opendir " + nodeId);
        return o.fh;
    }

    Attr getattr(long nodeId) {
        Attr a = new Attr();
        assertEquals(0, fs.getattr(ctx, nodeId, -1, a), "getattr " + nodeId);
        return a;
    }

    static long unixLong(Path p, String attribute) throws IOException {
        return ((Number) Files.getAttribute(p, "unix:" + attribute, LinkOption.NOFOLLOW_LINKS)).longValue();
    }

    static long openFdCount() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    /**
     * This process's fds on files at or below the shared directory: the file system's, unlike
     * whatever other threads of the test JVM open meanwhile.
     */
    long sharedFdCount() throws IOException {
        String prefix = shared.toRealPath().toString();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    return target.equals(prefix) || target.startsWith(prefix + "/");
                } catch (IOException gone) {
                    return false; // closed meanwhile (e.g. the listing's own fd)
                }
            }).count();
        }
    }

    @Override
    public void close() throws IOException {
        fs.close();
        try (Stream<Path> walk = Files.walk(base)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
