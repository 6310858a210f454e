package dev.jvirtiofsd.daemon.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jvirtiofsd.daemon.CachePolicy;
import dev.jvirtiofsd.daemon.fs.PassthroughConfig;
import dev.jvirtiofsd.daemon.fs.PassthroughFs;
import dev.jvirtiofsd.protocol.InHeader;
import dev.jvirtiofsd.protocol.Opcode;
import dev.jvirtiofsd.protocol.OutHeader;
import dev.jvirtiofsd.vhostuser.testing.TestChain;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Fuzzes FUSE request decoding and dispatch against a real {@link PassthroughFs}: each input is
 * a session (INIT, then up to 24 requests of any opcode, header and body, with node ids taken
 * from earlier replies so the fuzzer gets past LOOKUP) in a fresh shared directory on a small
 * nodev tmpfs. Every reply must be well-formed and fit its buffer, and nothing outside the shared
 * directory may be read, changed or created (a canary beside it keeps its bytes, atime and mtime).
 *
 * <p>Without {@code JAZZER_FUZZ} this replays the committed inputs in {@code
 * FuseRequestFuzzTestInputs/}; {@code mvn verify} fuzzes it for a minute.
 */
class FuseRequestFuzzTest {
    private static final int MAX_REQUESTS = 24;
    private static final FileTime LONG_AGO = FileTime.fromMillis(946_684_800_000L); // 2000-01-01
    private static final byte[][] NAMES = {
        name("a"), name("b"), name("sub"), name(".."), name("."), name("../.."), name("a/b"), name("/"), name(""),
        name("x".repeat(255)), name("x".repeat(256)), name("../outside/canary"), name("canary"), name("a\0b"),
    };

    private static Path base;
    private static Path outside;
    private static Path canary;
    private static byte[] canaryBytes;
    private static int runs;

    private static byte[] name(String s) {
        byte[] raw = s.getBytes(StandardCharsets.UTF_8);
        return java.util.Arrays.copyOf(raw, raw.length + 1);
    }

    /** A 64 MiB nodev tmpfs (so a fuzzed FALLOCATE or MKNOD cannot hurt the host), mounted once per JVM. */
    private static synchronized boolean prepare() throws IOException, InterruptedException {
        if (base != null) {
            return true;
        }
        Path dir = Files.createTempDirectory("jvirtiofsd-fuzz-");
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=64m,nr_inodes=16384,nodev,nosuid",
                "jvirtiofsd-fuzz", dir.toString()).redirectErrorStream(true).start();
        if (mount.waitFor() != 0) {
            Files.delete(dir);
            return false;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                new ProcessBuilder("umount", "-l", dir.toString()).start().waitFor();
                Files.deleteIfExists(dir);
            } catch (IOException | InterruptedException e) {
                // Left mounted: nothing more to do at exit.
            }
        }));
        outside = Files.createDirectory(dir.resolve("outside"));
        canary = outside.resolve("canary");
        canaryBytes = "canary: never read, never changed".getBytes(StandardCharsets.UTF_8);
        Files.write(canary, canaryBytes);
        Files.getFileAttributeView(canary, BasicFileAttributeView.class).setTimes(LONG_AGO, LONG_AGO, null);
        base = dir;
        return true;
    }

    @FuzzTest(maxDuration = "60s")
    void requestsStayInsideTheSharedDirectory(FuzzedDataProvider data) throws Exception {
        Assumptions.assumeTrue(prepare(), "needs root to mount a tmpfs");
        Path run = Files.createDirectory(base.resolve("run-" + runs++));
        Path shared = Files.createDirectory(run.resolve("shared"));
        Files.writeString(shared.resolve("a"), "file a");
        Files.createDirectory(shared.resolve("sub"));
        Files.createSymbolicLink(shared.resolve("link"), canary);
        PassthroughFs fs = new PassthroughFs(PassthroughConfig.builder(shared).xattr(true).build());
        try {
            FuseServer server = new FuseServer(fs, new FuseServerConfig(CachePolicy.AUTO, true, false, true));
            Session session = new Session(server);
            session.send(Opcode.INIT, 0, ServerHarness.initIn(7, 38, ServerHarness.LINUX_6_1_FLAGS,
                    ServerHarness.LINUX_6_1_FLAGS2), 4096, null);
            for (int i = 0; i < MAX_REQUESTS && data.remainingBytes() > 0; i++) {
                session.sendFuzzed(data);
            }
        } finally {
            fs.close();
        }
        assertOutsideUntouched(run);
        deleteTree(run);
    }

    /** One FUSE session: sends requests, checks replies, remembers node ids and handles seen. */
    private static final class Session {
        private final FuseServer server;
        private final List<Long> seenIds = new ArrayList<>(List.of(1L));
        private long unique = 1;

        Session(FuseServer server) {
            this.server = server;
        }

        void sendFuzzed(FuzzedDataProvider data) {
            int opcode = data.consumeInt(0, 15) == 0 ? data.consumeInt() : data.consumeInt(1, Opcode.MAX_KNOWN);
            long node = switch (data.consumeInt(0, 7)) {
                case 0 -> data.consumeLong();
                case 1 -> 1;
                default -> seenIds.get(data.consumeInt(0, seenIds.size() - 1));
            };
            byte[] body;
            if (data.consumeBoolean()) {
                body = data.consumeBytes(data.consumeInt(0, 512));
            } else {
                // A struct (any bytes) followed by one or two names, as most path requests carry.
                byte[] struct = data.consumeBytes(data.consumeInt(0, 104));
                byte[] first = NAMES[data.consumeInt(0, NAMES.length - 1)];
                byte[] second = data.consumeBoolean() ? NAMES[data.consumeInt(0, NAMES.length - 1)] : new byte[0];
                body = ByteBuffer.allocate(struct.length + first.length + second.length)
                        .put(struct).put(first).put(second).array();
            }
            int writable = data.consumeInt(0, 3) == 0 ? data.consumeInt(0, 64) : data.consumeInt(16, 16384);
            send(opcode, node, body, writable, data.consumeInt(0, 7) == 0 ? data : null);
        }

        void send(int opcode, long node, byte[] body, int writable, FuzzedDataProvider headerFuzz) {
            long id = unique++;
            ByteBuffer request = FuseRequests.request(opcode, id, node, 0, body);
            if (headerFuzz != null) {
                // Lie about the length, the identity or the extension length.
                switch (headerFuzz.consumeInt(0, 3)) {
                    case 0 -> request.putInt(InHeader.LEN, headerFuzz.consumeInt());
                    case 1 -> request.putInt(InHeader.UID, headerFuzz.consumeInt()).putInt(InHeader.GID, headerFuzz.consumeInt());
                    default -> request.putInt(InHeader.TOTAL_EXTLEN, headerFuzz.consumeInt());
                }
            }
            TestChain.Builder builder = TestChain.builder().readable(request.array());
            if (writable > 32 && (id & 1) == 0) {
                builder.writable(writable / 2).writable(writable - writable / 2);
            } else if (writable > 0) {
                builder.writable(writable);
            }
            try (TestChain chain = builder.build()) {
                int used = server.handle(1, chain.chain());
                assertTrue(used >= 0 && used <= writable, "used " + used + " of " + writable + " writable bytes");
                if (used == 0) {
                    return;
                }
                ByteBuffer reply = ByteBuffer.wrap(chain.written(used)).order(ByteOrder.LITTLE_ENDIAN);
                assertTrue(used >= OutHeader.BYTES, "a reply of " + used + " bytes has no header");
                assertEquals(used, reply.getInt(OutHeader.LEN), "out header length");
                int error = reply.getInt(OutHeader.ERROR);
                assertTrue(error <= 0 && error > -4096, "error " + error);
                long replyUnique = reply.getLong(OutHeader.UNIQUE);
                assertTrue(replyUnique == id || replyUnique == 0, "unique " + replyUnique + " for " + id);
                if (error == 0 && used >= OutHeader.BYTES + 8) {
                    // entry_out starts with the node id, open_out with the handle: worth trying as either.
                    long candidate = reply.getLong(OutHeader.BYTES);
                    if (candidate != 0 && seenIds.size() < 64 && !seenIds.contains(candidate)) {
                        seenIds.add(candidate);
                    }
                }
            }
        }
    }

    private static void assertOutsideUntouched(Path run) throws IOException {
        for (String entry : list(base)) {
            assertTrue(entry.equals("outside") || entry.startsWith("run-"), "created beside the runs: " + entry);
        }
        assertEquals(Set.of("shared"), list(run), "entries beside the shared directory");
        assertEquals(Set.of("canary"), list(outside), "entries beside the canary");
        BasicFileAttributeView view = Files.getFileAttributeView(canary, BasicFileAttributeView.class,
                LinkOption.NOFOLLOW_LINKS);
        assertEquals(LONG_AGO, view.readAttributes().lastModifiedTime(), "canary mtime");
        assertEquals(LONG_AGO, view.readAttributes().lastAccessTime(), "canary atime: it was read");
        assertTrue(java.util.Arrays.equals(canaryBytes, Files.readAllBytes(canary)), "canary bytes");
        view.setTimes(LONG_AGO, LONG_AGO, null); // reading it here just moved its atime
    }

    private static Set<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }

    /** Best effort: whatever cannot be deleted stays on the tmpfs until it is unmounted. */
    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // Left behind.
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            // Left behind.
        }
    }
}
