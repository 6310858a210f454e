package dev.jvirtiofsd.daemon.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jvirtiofsd.daemon.idmap.IdTranslation;
import dev.jvirtiofsd.daemon.sys.ThreadIdentity;

/**
 * The create-time identity scope: inside it the thread has the guest's ids, groups, no
 * capabilities (or only CAP_DAC_OVERRIDE) and the request's umask; outside, and on every other
 * thread, the daemon's own. Read back from /proc/thread-self/status. Needs root.
 */
class CredentialsTest {
    private static final String[] KEYS = {"Uid", "Gid", "Groups", "CapEff", "Umask"};

    @TempDir
    Path tmp;

    static Map<String, String> identity() {
        Map<String, String> m = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/thread-self/status"))) {
                for (String key : KEYS) {
                    if (line.startsWith(key + ":")) {
                        m.put(key, line.substring(key.length() + 1).trim());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return m;
    }

    static <T> T onOwnThread(Callable<T> body) throws Exception {
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try {
            return thread.submit(body).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        } finally {
            thread.shutdownNow();
        }
    }

    static RequestContext request(int uid, int gid, int... groups) {
        RequestContext ctx = new RequestContext().set(uid, gid, 1);
        int[] room = ctx.supplementaryGroupsWithRoomFor(groups.length);
        System.arraycopy(groups, 0, room, 0, groups.length);
        ctx.setSupplementaryGroupCount(groups.length);
        return ctx;
    }

    @Test
    void theGuestIdentityHoldsInsideTheScopeOnThisThreadOnly() throws Exception {
        assumeTrue(ThreadIdentity.effectiveUid() == 0, "needs root");
        Map<String, String> mainBefore = identity();
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch looked = new CountDownLatch(1);
        ExecutorService worker = Executors.newSingleThreadExecutor();
        try {
            Future<Map<String, String>[]> result = worker.submit(() -> {
                Credentials.prepareThread();
                Map<String, String> before = identity();
                Map<String, String> during;
                try (Credentials c = Credentials.assume(request(1000, 1001, 3000, 3001), IdTranslation.IDENTITY, 027,
                        false)) {
                    assertEquals(0, c.error());
                    during = identity();
                    inside.countDown();
                    looked.await();
                }
                @SuppressWarnings("unchecked")
                Map<String, String>[] r = new Map[] {before, during, identity()};
                return r;
            });
            assertTrue(inside.await(30, TimeUnit.SECONDS));
            assertEquals(mainBefore, identity(), "another thread keeps the daemon's identity");
            looked.countDown();
            Map<String, String>[] r = result.get(30, TimeUnit.SECONDS);
            Map<String, String> during = r[1];
            assertEquals("0\t1000\t0\t1000", during.get("Uid"));
            assertEquals("0\t1001\t0\t1001", during.get("Gid"));
            assertEquals("3000 3001", during.get("Groups"));
            assertEquals("0000000000000000", during.get("CapEff"));
            assertEquals("0027", during.get("Umask"));
            assertEquals(r[0], r[2], "restored");
        } finally {
            worker.shutdownNow();
        }
    }

    @Test
    void keepsOnlyDacOverrideWhenTheGuestCannotSendItsGroups() throws Exception {
        assumeTrue(ThreadIdentity.effectiveUid() == 0, "needs root");
        Map<String, String> during = onOwnThread(() -> {
            try (Credentials c = Credentials.assume(request(1000, 1000), IdTranslation.IDENTITY, -1, true)) {
                assertEquals(0, c.error());
                return identity();
            }
        });
        assertEquals(Long.toHexString(1L << ThreadIdentity.CAP_DAC_OVERRIDE),
                Long.toHexString(Long.parseLong(during.get("CapEff"), 16)));
        assertEquals("", during.get("Groups"), "the daemon's groups are not lent to the guest user");
    }

    @Test
    void rootAndTheDaemonsOwnIdsAreNotSwitched() throws Exception {
        assumeTrue(ThreadIdentity.effectiveUid() == 0, "needs root");
        Map<String, String>[] r = onOwnThread(() -> {
            Credentials.prepareThread();
            Map<String, String> before = identity();
            try (Credentials c = Credentials.assume(request(0, 0), IdTranslation.IDENTITY, -1, false)) {
                assertEquals(0, c.error());
                @SuppressWarnings("unchecked")
                Map<String, String>[] seen = new Map[] {before, identity()};
                return seen;
            }
        });
        assertEquals(r[0], r[1]);
    }

    @Test
    void anExceptionInsideTheScopeStillRestores() throws Exception {
        assumeTrue(ThreadIdentity.effectiveUid() == 0, "needs root");
        Map<String, String>[] r = onOwnThread(() -> {
            Credentials.prepareThread();
            Map<String, String> before = identity();
            assertThrows(IllegalStateException.class, () -> {
                try (Credentials c = Credentials.assume(request(1000, 1000, 5), IdTranslation.IDENTITY, 077, false)) {
                    throw new IllegalStateException("inside");
                }
            });
            @SuppressWarnings("unchecked")
            Map<String, String>[] seen = new Map[] {before, identity()};
            return seen;
        });
        assertEquals(r[0], r[1]);
    }

    @Test
    void theHostKernelChecksTheGuestUsersPermissions() throws Exception {
        assumeTrue(ThreadIdentity.effectiveUid() == 0, "needs root");
        Path rootOwned = Files.createDirectory(tmp.resolve("root-owned"));
        Files.setPosixFilePermissions(rootOwned, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path file = rootOwned.resolve("f");
        String outcome = onOwnThread(() -> {
            try (Credentials c = Credentials.assume(request(1000, 1000), IdTranslation.IDENTITY, -1, false)) {
                Files.createFile(file);
                return "created";
            } catch (java.nio.file.AccessDeniedException e) {
                return "denied";
            }
        });
        assertEquals("denied", outcome);
        String asRoot = onOwnThread(() -> {
            try (Credentials c = Credentials.assume(request(0, 0), IdTranslation.IDENTITY, -1, false)) {
                Files.createFile(file);
                return "created";
            }
        });
        assertEquals("created", asRoot);
    }
}
