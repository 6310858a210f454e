package dev.jvirtiofsd.daemon.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jvirtiofsd.daemon.sys.SeccompCalls;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The filter installed for real, in a child JVM per case: every thread (and a later one) runs
 * under it, the JVM lives and exits under it, and a call outside the list is logged, or kills.
 */
class SeccompInstallTest {
    /** Exit value Java reports for a process killed by SIGSYS: 128 + 31. */
    static final int KILLED_BY_SIGSYS = 128 + 31;
    static final int GETSID = 124;

    record Outcome(long pid, int exit, String output) {
    }

    static Outcome runChild(String action, boolean selfTest) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "-Xshare:auto", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), SeccompChild.class.getName(), action));
        pb.environment().remove(SeccompFilter.SELF_TEST_VARIABLE);
        if (selfTest) {
            pb.environment().put(SeccompFilter.SELF_TEST_VARIABLE, SeccompFilter.SELF_TEST_VALUE);
        }
        pb.redirectErrorStream(true);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child exits");
        return new Outcome(p.pid(), p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    @Test
    void theTestJvmItselfHasNoFilter() throws Exception {
        assertEquals(0, SeccompCalls.seccompMode());
    }

    @Test
    void killFilterCoversEveryThreadAndTheJvmRunsAndExitsUnderIt() throws Exception {
        Outcome o = runChild("KILL", false);
        assertEquals(0, o.exit(), o.output());
        assertTrue(o.output().contains("mode=2 nnp=true new-thread-mode=2"), o.output());
    }

    @Test
    void underKillTheForbiddenCallKillsTheProcess() throws Exception {
        Outcome o = runChild("KILL", true);
        assertEquals(KILLED_BY_SIGSYS, o.exit(), o.output());
        assertTrue(o.output().contains("calling getsid"), o.output());
        assertFalse(o.output().contains("still running"), o.output());
    }

    @Test
    void underTrapTheForbiddenCallEndsTheProcessWithSigsys() throws Exception {
        Outcome o = runChild("TRAP", true);
        assertFalse(o.output().contains("still running"), o.output());
        assertTrue(o.exit() != 0, o.output());
    }

    @Test
    void underLogTheForbiddenCallIsReportedAndTheProcessLives() throws Exception {
        Outcome o = runChild("LOG", true);
        assertEquals(0, o.exit(), o.output());
        assertTrue(o.output().contains("still running"), o.output());
        assertTrue(o.output().contains("mode=2 nnp=true"), o.output());
        assumeTrue(KernelLog.readable(), "the kernel log can be read");
        assertTrue(KernelLog.awaitSeccompRecord(o.pid(), GETSID, Duration.ofSeconds(10)),
                "the kernel logged getsid of pid " + o.pid());
    }

    @Test
    void noneInstallsNothing() throws Exception {
        Outcome o = runChild("NONE", true);
        assertEquals(0, o.exit(), o.output());
        assertTrue(o.output().contains("mode=0"), o.output());
    }
}
