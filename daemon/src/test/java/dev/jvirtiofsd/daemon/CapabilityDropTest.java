package dev.jvirtiofsd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jvirtiofsd.daemon.fs.Credentials;
import dev.jvirtiofsd.daemon.fs.RequestContext;
import dev.jvirtiofsd.daemon.idmap.IdTranslation;
import dev.jvirtiofsd.daemon.sys.CapabilityCalls;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The drop on a thread of its own (capabilities are per thread; the test JVM keeps its own):
 * afterwards that thread and every thread it makes has exactly the kept set in all sets, the
 * bounding set is the kept set, no_new_privs is on, and a per-request identity switch still
 * works there and gives the kept set back.
 */
class CapabilityDropTest {
    @TempDir
    Path tmp;

    static <T> T onOwnThread(Callable<T> body) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                result.complete(body.call());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, "drop-test");
        t.start();
        return result.get(30, TimeUnit.SECONDS);
    }

    static Map<String, String> status() throws Exception {
        Map<String, String> fields = new java.util.HashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc/thread-self/status"))) {
            int colon = line.indexOf(':');
            fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
        }
        return fields;
    }

    static long hex(Map<String, String> status, String field) {
        return Long.parseUnsignedLong(status.get(field), 16);
    }

    @Test
    void onlyTheKeptSetRemainsOnTheThreadAndItsChildren() throws Exception {
        assumeTrue((CapabilityCalls.get().effective() & 1L << 8) != 0, "needs root with CAP_SETPCAP");
        long kept = KeptCapabilities.withModifications("-mknod");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x")); // uid 1000 passes
        Path dir = Files.createDirectory(tmp.resolve("open"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        @SuppressWarnings("unchecked")
        Map<String, String>[] seen = onOwnThread(() -> {
            long result = CapabilityDrop.dropAllBut(kept);
            Map<String, String> after = status();
            Map<String, String> child = onOwnThread(() -> {
                // A worker: prepared as the daemon's workers are, then a create as guest uid 1000.
                Credentials.prepareThread();
                RequestContext ctx = new RequestContext().set(1000, 1000, 1);
                try (Credentials c = Credentials.assume(ctx, IdTranslation.IDENTITY, -1, false)) {
                    assertEquals(0, c.error());
                    Files.createFile(dir.resolve("made-by-1000"));
                }
                return status();
            });
            after.put("result", Long.toHexString(result));
            return new Map[] {after, child};
        });
        Map<String, String> after = seen[0];
        Map<String, String> child = seen[1];
        assertEquals(kept, Long.parseUnsignedLong(after.get("result"), 16));
        for (Map<String, String> s : seen) {
            assertEquals(kept, hex(s, "CapEff"));
            assertEquals(kept, hex(s, "CapPrm"));
            assertEquals(0, hex(s, "CapInh"));
            assertEquals(0, hex(s, "CapAmb"));
            assertEquals(kept, hex(s, "CapBnd"));
            assertEquals("1", s.get("NoNewPrivs"));
        }
        assertEquals(1000, Files.getAttribute(dir.resolve("made-by-1000"), "unix:uid", LinkOption.NOFOLLOW_LINKS),
                "the identity switch still works after the drop");
        assertEquals("0", child.get("Uid").split("\\s+")[1], "and was undone");
        assertTrue((hex(status(), "CapEff") & 1L << 21) != 0, "the test thread keeps CAP_SYS_ADMIN");
    }
}
