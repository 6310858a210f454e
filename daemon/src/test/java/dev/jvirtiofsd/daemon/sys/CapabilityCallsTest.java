package dev.jvirtiofsd.daemon.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The capability, securebits and no_new_privs bindings against the kernel. Every change runs on
 * a thread made for it (these are per-thread properties), and is checked in
 * /proc/thread-self/status, which the kernel writes independently of the binding.
 */
class CapabilityCallsTest {
    static final int CAP_CHOWN = 0;
    static final int CAP_SETPCAP = 8;
    static final int CAP_SYS_ADMIN = 21;

    /** Runs {@code body} on a new platform thread and returns its result. */
    static <T> T onOwnThread(Callable<T> body) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                result.complete(body.call());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, "capability-test");
        t.start();
        return result.get(30, TimeUnit.SECONDS);
    }

    /** A hex capability field (CapEff, CapPrm, CapInh, CapBnd, CapAmb) or a decimal one (NoNewPrivs) of this thread. */
    static long status(String field) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/thread-self/status"))) {
            if (line.startsWith(field + ":")) {
                String value = line.substring(field.length() + 1).trim();
                return field.startsWith("Cap") ? Long.parseUnsignedLong(value, 16) : Long.parseLong(value);
            }
        }
        throw new AssertionError(field + " missing from /proc/thread-self/status");
    }

    @Test
    void constantsMatchTheKernelHeaders() throws Exception {
        HeaderConstants h = new HeaderConstants(List.of(Path.of("/usr/include/linux/prctl.h"),
                Path.of("/usr/include/linux/securebits.h"), Path.of("/usr/include/linux/capability.h")));
        assertEquals(h.value("PR_CAPBSET_READ"), (long) CapabilityCalls.PR_CAPBSET_READ);
        assertEquals(h.value("PR_CAPBSET_DROP"), (long) CapabilityCalls.PR_CAPBSET_DROP);
        assertEquals(h.value("PR_GET_SECUREBITS"), (long) CapabilityCalls.PR_GET_SECUREBITS);
        assertEquals(h.value("PR_SET_SECUREBITS"), (long) CapabilityCalls.PR_SET_SECUREBITS);
        assertEquals(h.value("PR_SET_NO_NEW_PRIVS"), (long) CapabilityCalls.PR_SET_NO_NEW_PRIVS);
        assertEquals(h.value("PR_GET_NO_NEW_PRIVS"), (long) CapabilityCalls.PR_GET_NO_NEW_PRIVS);
        assertEquals(h.value("PR_CAP_AMBIENT"), (long) CapabilityCalls.PR_CAP_AMBIENT);
        assertEquals(h.value("PR_CAP_AMBIENT_IS_SET"), (long) CapabilityCalls.PR_CAP_AMBIENT_IS_SET);
        assertEquals(h.value("PR_CAP_AMBIENT_CLEAR_ALL"), (long) CapabilityCalls.PR_CAP_AMBIENT_CLEAR_ALL);
        assertEquals(1L << h.value("SECURE_NO_SETUID_FIXUP"), CapabilityCalls.SECBIT_NO_SETUID_FIXUP);
        assertEquals(1L << h.value("SECURE_NO_SETUID_FIXUP_LOCKED"), CapabilityCalls.SECBIT_NO_SETUID_FIXUP_LOCKED);
        assertEquals(h.value("_LINUX_CAPABILITY_VERSION_3"), (long) CapabilityCalls.LINUX_CAPABILITY_VERSION_3);
    }

    @Test
    void getReadsWhatTheKernelReports() throws Exception {
        long[] seen = onOwnThread(() -> {
            CapabilityCalls.Sets s = CapabilityCalls.get();
            return new long[] {s.effective(), status("CapEff"), s.permitted(), status("CapPrm"), s.inheritable(),
                status("CapInh")};
        });
        assertEquals(seen[1], seen[0], "effective");
        assertEquals(seen[3], seen[2], "permitted");
        assertEquals(seen[5], seen[4], "inheritable");
    }

    @Test
    void setLeavesExactlyTheGivenSetsOnThatThreadOnly() throws Exception {
        assumeTrue(CapabilityCalls.get().permitted() != 0, "needs root");
        long kept = 1L << CAP_CHOWN | 1L << 1 | 1L << 40;
        long mine = status("CapEff");
        long[] seen = onOwnThread(() -> {
            long permitted = CapabilityCalls.get().permitted();
            long keep = kept & permitted;
            ErrnoException.check(CapabilityCalls.set(keep, keep, 0), "capset");
            // A thread made now inherits the reduced sets.
            long child = onOwnThread(() -> status("CapEff"));
            // Raising what is no longer permitted fails.
            int raise = CapabilityCalls.set(keep | 1L << CAP_SYS_ADMIN, keep, 0);
            return new long[] {keep, status("CapEff"), status("CapPrm"), status("CapInh"), child, raise};
        });
        assertEquals(seen[0], seen[1]);
        assertEquals(seen[0], seen[2]);
        assertEquals(0, seen[3]);
        assertEquals(seen[0], seen[4], "a thread created afterwards inherits the set");
        assertEquals(-Errno.EPERM, seen[5]);
        assertEquals(mine, status("CapEff"), "other threads keep theirs");
    }

    @Test
    void boundingSetAmbientSetSecurebitsAndNoNewPrivs() throws Exception {
        assumeTrue((CapabilityCalls.get().effective() & 1L << CAP_SETPCAP) != 0, "needs CAP_SETPCAP");
        long[] seen = onOwnThread(() -> {
            long before = status("CapBnd");
            ErrnoException.check(CapabilityCalls.dropFromBoundingSet(CAP_SYS_ADMIN), "drop");
            int inSet = CapabilityCalls.inBoundingSet(CAP_SYS_ADMIN);
            int unknown = CapabilityCalls.inBoundingSet(63);
            ErrnoException.check(CapabilityCalls.clearAmbientSet(), "clear ambient");
            int ambient = CapabilityCalls.inAmbientSet(CAP_CHOWN);
            int bits = CapabilityCalls.SECBIT_NO_SETUID_FIXUP | CapabilityCalls.SECBIT_NO_SETUID_FIXUP_LOCKED;
            ErrnoException.check(CapabilityCalls.setSecurebits(bits), "securebits");
            int readBack = CapabilityCalls.securebits();
            int unlock = CapabilityCalls.setSecurebits(0);
            long nnpBefore = status("NoNewPrivs");
            ErrnoException.check(CapabilityCalls.setNoNewPrivs(), "no_new_privs");
            return new long[] {before, status("CapBnd"), inSet, unknown, ambient, status("CapAmb"), readBack, unlock,
                nnpBefore, status("NoNewPrivs"), CapabilityCalls.noNewPrivs()};
        });
        assertTrue((seen[0] & 1L << CAP_SYS_ADMIN) != 0);
        assertEquals(seen[0] & ~(1L << CAP_SYS_ADMIN), seen[1], "only SYS_ADMIN left the bounding set");
        assertEquals(0, seen[2]);
        assertEquals(-Errno.EINVAL, seen[3], "capability 63 does not exist");
        assertEquals(0, seen[4]);
        assertEquals(0, seen[5]);
        assertEquals(CapabilityCalls.SECBIT_NO_SETUID_FIXUP | CapabilityCalls.SECBIT_NO_SETUID_FIXUP_LOCKED, seen[6]);
        assertEquals(-Errno.EPERM, seen[7], "a locked bit cannot be cleared");
        assertEquals(0, seen[8]);
        assertEquals(1, seen[9]);
        assertEquals(1, seen[10]);
        assertEquals(0, status("NoNewPrivs"), "the test thread itself is untouched");
    }
}
