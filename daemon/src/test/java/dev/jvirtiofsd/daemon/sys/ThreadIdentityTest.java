package dev.jvirtiofsd.daemon.sys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The per-thread identity calls against the real kernel: each test changes the identity of a
 * thread of its own and reads it back from /proc/thread-self/status, while another thread's
 * identity stays what it was. Needs root (CAP_SETUID, CAP_SETGID, CAP_SETPCAP).
 */
class ThreadIdentityTest {

    /** One line of /proc/thread-self/status, e.g. "Uid" gives "0\t1000\t0\t1000". */
    static String status(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/thread-self/status"))) {
                if (line.startsWith(key + ":")) {
                    return line.substring(key.length() + 1).trim();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new AssertionError("no " + key + " in /proc/thread-self/status");
    }

    /** Runs {@code body} on a new thread (which ends with the test, whatever identity it was left with). */
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

    static void assumeRoot() {
        assumeTrue(ThreadIdentity.effectiveUid() == 0, "needs root");
    }

    @Test
    void constantsMatchTheHeaders() throws IOException {
        HeaderConstants h = new HeaderConstants(List.of(
                Path.of("/usr/include/x86_64-linux-gnu/asm/unistd_64.h"),
                Path.of("/usr/include/linux/capability.h"),
                Path.of("/usr/include/linux/prctl.h"),
                Path.of("/usr/include/linux/securebits.h"),
                Path.of("/usr/include/linux/sched.h"),
                Path.of("/usr/include/linux/limits.h")));
        assertEquals(h.value("__NR_geteuid"), ThreadIdentity.SYS_GETEUID);
        assertEquals(h.value("__NR_getegid"), ThreadIdentity.SYS_GETEGID);
        assertEquals(h.value("__NR_getgroups"), ThreadIdentity.SYS_GETGROUPS);
        assertEquals(h.value("__NR_setgroups"), ThreadIdentity.SYS_SETGROUPS);
        assertEquals(h.value("__NR_setresuid"), ThreadIdentity.SYS_SETRESUID);
        assertEquals(h.value("__NR_setresgid"), ThreadIdentity.SYS_SETRESGID);
        assertEquals(h.value("__NR_capget"), ThreadIdentity.SYS_CAPGET);
        assertEquals(h.value("__NR_capset"), ThreadIdentity.SYS_CAPSET);
        assertEquals(h.value("__NR_prctl"), ThreadIdentity.SYS_PRCTL);
        assertEquals(h.value("__NR_unshare"), ThreadIdentity.SYS_UNSHARE);
        assertEquals(h.value("CAP_DAC_OVERRIDE"), (long) ThreadIdentity.CAP_DAC_OVERRIDE);
        assertEquals(h.value("CAP_FSETID"), (long) ThreadIdentity.CAP_FSETID);
        assertEquals(h.value("_LINUX_CAPABILITY_VERSION_3"), (long) ThreadIdentity.LINUX_CAPABILITY_VERSION_3);
        assertEquals(h.value("PR_GET_SECUREBITS"), (long) ThreadIdentity.PR_GET_SECUREBITS);
        assertEquals(h.value("PR_SET_SECUREBITS"), (long) ThreadIdentity.PR_SET_SECUREBITS);
        assertEquals(1L << h.value("SECURE_NO_SETUID_FIXUP"), (long) ThreadIdentity.SECBIT_NO_SETUID_FIXUP);
        assertEquals(h.value("CLONE_FS"), (long) ThreadIdentity.CLONE_FS);
        assertEquals(h.value("NGROUPS_MAX"), (long) ThreadIdentity.NGROUPS_MAX);
    }

    @Test
    void effectiveIdsChangeOnlyOnTheCallingThread() throws Exception {
        assumeRoot();
        String mainUid = status("Uid");
        String mainGid = status("Gid");
        CountDownLatch switched = new CountDownLatch(1);
        CountDownLatch checked = new CountDownLatch(1);
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            Future<String[]> inside = other.submit(() -> {
                assertEquals(0, ThreadIdentity.setEffectiveGid(1000));
                assertEquals(0, ThreadIdentity.setEffectiveUid(1001));
                String[] seen = {status("Uid"), status("Gid"), String.valueOf(ThreadIdentity.effectiveUid()),
                    String.valueOf(ThreadIdentity.effectiveGid())};
                switched.countDown();
                checked.await();
                assertEquals(0, ThreadIdentity.setEffectiveUid(0));
                assertEquals(0, ThreadIdentity.setEffectiveGid(0));
                return new String[] {seen[0], seen[1], seen[2], seen[3], status("Uid"), status("Gid")};
            });
            assertTrue(switched.await(30, TimeUnit.SECONDS));
            // While the other thread runs as 1001:1000, this one is still root.
            assertEquals(mainUid, status("Uid"));
            assertEquals(mainGid, status("Gid"));
            assertEquals(0, ThreadIdentity.effectiveUid());
            checked.countDown();
            String[] r = inside.get(30, TimeUnit.SECONDS);
            assertEquals("0\t1001\t0\t1001", r[0], "real, effective, saved, filesystem uid");
            assertEquals("0\t1000\t0\t1000", r[1]);
            assertEquals("1001", r[2]);
            assertEquals("1000", r[3]);
            assertEquals("0\t0\t0\t0", r[4], "restored");
            assertEquals("0\t0\t0\t0", r[5]);
        } finally {
            other.shutdownNow();
        }
    }

    @Test
    void supplementaryGroupsAreSetAndReadPerThread() throws Exception {
        assumeRoot();
        String mainGroups = status("Groups");
        String[] seen = onOwnThread(() -> {
            int[] before = ThreadIdentity.groups();
            assertEquals(0, ThreadIdentity.setGroups(new int[] {3000, 3001, 99}, 2));
            String inside = status("Groups");
            int[] read = ThreadIdentity.groups();
            assertArrayEquals(new int[] {3000, 3001}, read);
            assertEquals(0, ThreadIdentity.setGroups(new int[0], 0));
            String none = status("Groups");
            assertEquals(0, ThreadIdentity.setGroups(before, before.length));
            return new String[] {inside, none};
        });
        assertEquals("3000 3001", seen[0]);
        assertEquals("", seen[1]);
        assertEquals(mainGroups, status("Groups"));
        assertEquals(-Errno.EINVAL, ThreadIdentity.setGroups(new int[1], ThreadIdentity.NGROUPS_MAX + 1));
    }

    @Test
    void effectiveCapabilitiesAreSetPerThread() throws Exception {
        assumeRoot();
        long mainEffective = ThreadIdentity.effectiveCapabilities();
        assertTrue(mainEffective > 0, "root has effective capabilities");
        String[] seen = onOwnThread(() -> {
            long before = ThreadIdentity.effectiveCapabilities();
            long permitted = ThreadIdentity.permittedCapabilities();
            assertEquals(0, ThreadIdentity.setEffectiveCapabilities(1L << ThreadIdentity.CAP_FSETID));
            String inside = status("CapEff");
            long insideMask = ThreadIdentity.effectiveCapabilities();
            String permittedInside = status("CapPrm");
            assertEquals(0, ThreadIdentity.setEffectiveCapabilities(before));
            return new String[] {inside, Long.toHexString(insideMask), permittedInside,
                Long.toHexString(permitted), status("CapEff")};
        });
        assertEquals("0000000000000010", seen[0]);
        assertEquals("10", seen[1]);
        assertEquals(Long.parseLong(seen[2], 16), Long.parseLong(seen[3], 16), "permitted set untouched");
        assertEquals(mainEffective, Long.parseLong(seen[4], 16), "restored");
        assertEquals(mainEffective, ThreadIdentity.effectiveCapabilities(), "this thread never changed");
    }

    @Test
    void raisingACapabilityThatIsNotPermittedFails() throws Exception {
        assumeRoot();
        int ret = onOwnThread(() -> {
            long permitted = ThreadIdentity.permittedCapabilities();
            long missing = Long.lowestOneBit(~permitted & ((1L << 41) - 1));
            return missing == 0 ? -Errno.EPERM : ThreadIdentity.setEffectiveCapabilities(permitted | missing);
        });
        assertEquals(-Errno.EPERM, ret);
    }

    @Test
    void securebitsAndUnsharedUmaskArePerThread() throws Exception {
        assumeRoot();
        int mainBits = ThreadIdentity.securebits();
        String mainUmask = status("Umask");
        String[] seen = onOwnThread(() -> {
            assertEquals(0, ThreadIdentity.unshareFilesystemAttributes());
            int old = Syscalls.umask(0027);
            String umask = status("Umask");
            int bits = ThreadIdentity.securebits();
            assertEquals(0, ThreadIdentity.setSecurebits(bits | ThreadIdentity.SECBIT_NO_SETUID_FIXUP));
            int set = ThreadIdentity.securebits();
            // With NO_SETUID_FIXUP the effective set survives a switch to a non-root uid.
            long caps = ThreadIdentity.effectiveCapabilities();
            assertEquals(0, ThreadIdentity.setEffectiveUid(1000));
            long afterSwitch = ThreadIdentity.effectiveCapabilities();
            assertEquals(0, ThreadIdentity.setEffectiveUid(0));
            Syscalls.umask(old);
            return new String[] {umask, Integer.toString(set), Long.toString(caps), Long.toString(afterSwitch)};
        });
        assertEquals("0027", seen[0]);
        assertNotEquals(0, Integer.parseInt(seen[1]) & ThreadIdentity.SECBIT_NO_SETUID_FIXUP);
        assertEquals(seen[2], seen[3]);
        assertEquals(mainUmask, status("Umask"), "the other threads' umask is untouched");
        assertEquals(mainBits, ThreadIdentity.securebits());
    }
}
