package dev.jvirtiofsd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/namespace-supervisor on its own, as the launcher runs it, with a shell script in the
 * daemon's place that speaks the supervisor's protocol. After pivot_root the
 * script uses shell built-ins only: any program would be looked up inside the share.
 */
class NamespaceSupervisorTest {
    /** CHOWN and FOWNER, as a setpriv bounding-set list and as a mask. */
    static final String CAPS = "-all,+chown,+fowner";
    static final long CAPS_MASK = 1L << 0 | 1L << 3;

    @TempDir
    Path tmp;

    @BeforeAll
    static void namespacesCanBeCreated() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "the namespace sandbox needs root");
        Process probe = new ProcessBuilder("unshare", "--mount", "--pid", "--net", "--fork", "--mount-proc", "true")
                .redirectErrorStream(true).start();
        assumeTrue(probe.waitFor(10, TimeUnit.SECONDS) && probe.exitValue() == 0, "namespaces can be created here");
    }

    /** The supervisor (this process's child) with {@code script} as the daemon. */
    private Process start(String script, String caps) throws IOException {
        String ask = "r=${JVIRTIOFSD_SUPERVISOR%,*}; w=${JVIRTIOFSD_SUPERVISOR#*,}\n"
                + "ask() { echo \"$1\" >&\"$w\"; read -r answer <&\"$r\"; echo \"$1 -> $answer\"; }\n";
        List<String> command = new ArrayList<>(List.of("perl",
                LauncherTest.repo().resolve("bin/namespace-supervisor").toString(), caps, "/bin/sh", "-c", ask + script));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(tmp.resolve("out").toFile())
                .start();
    }

    private String output() throws IOException {
        return Files.readString(tmp.resolve("out"));
    }

    private int awaitExit(Process p) throws Exception {
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "the supervisor exits with its child");
        return p.exitValue();
    }

    private static long capEff(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("CapEff:")) {
                return Long.parseUnsignedLong(line.substring("CapEff:".length()).trim(), 16);
            }
        }
        throw new AssertionError("no CapEff for " + pid);
    }

    @Test
    void procFdThenRootThenTheSupervisorHoldsNothing() throws Exception {
        Path share = Files.createDirectory(tmp.resolve("share"));
        Files.writeString(share.resolve("marker"), "inside");
        Path outside = Files.writeString(tmp.resolve("outside"), "outside");
        String script = "echo \"pid $$\"\n"
                + "grep CapEff /proc/self/status\n"
                + "ask bogus\n"
                + "ask 'root relative/dir'\n"
                + "ask proc-fd\n"
                + "echo \"proc: $(echo /proc/*)\"\n"
                + "ask \"root " + share + "\"\n"
                + "[ -e /marker ] && echo marker-at-root\n"
                + "[ -e '" + outside + "' ] || echo outside-gone\n"
                + "[ -e /proc ] || echo no-proc\n"
                + "echo waiting\n"
                + "while [ ! -e /stop ]; do :; done\n"
                + "exit 7\n";
        Process p = start(script, CAPS);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!output().contains("waiting") && p.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            String out = output();
            assertTrue(out.contains("waiting"), out);
            // The supervisor gave up every capability once the root was in place.
            assertEquals(0, capEff(p.pid()), out);
            Files.writeString(share.resolve("stop"), "");
            assertEquals(7, awaitExit(p), "the child's exit status: " + output());
            out = output();
            assertTrue(out.contains("pid 1\n"), "the child is PID 1 of a new pid namespace: " + out);
            assertTrue(out.contains(String.format("CapEff:\t%016x", CAPS_MASK)), "started with CAPS only: " + out);
            assertTrue(out.contains("bogus -> error unknown request: bogus"), out);
            assertTrue(out.contains("root relative/dir -> error not an absolute directory"), out);
            assertTrue(out.contains("proc-fd -> ok"), out);
            String proc = out.lines().filter(l -> l.startsWith("proc: ")).findFirst().orElseThrow();
            for (String entry : proc.substring("proc: ".length()).split(" ")) {
                assertTrue(entry.matches("/proc/[0-9]+"), "only fd numbers under /proc: " + proc);
            }
            assertTrue(out.contains("root " + share + " -> ok"), out);
            assertTrue(out.contains("marker-at-root"), out);
            assertTrue(out.contains("outside-gone"), out);
            assertTrue(out.contains("no-proc"), out);
            assertEquals("outside", Files.readString(outside));
            assertTrue(Files.readString(Path.of("/proc/self/mountinfo")).lines()
                    .noneMatch(l -> l.contains(" " + share + " ")), "no mount reached the host's namespace");
        } finally {
            ProcessTrees.stop(p);
        }
    }

    @Test
    void sigtermIsPassedOnAndTheChildsStatusReturned() throws Exception {
        Path ready = tmp.resolve("ready");
        Process p = start("trap 'echo got-term; exit 3' TERM\n"
                + ": > '" + ready + "'\n"
                + "while :; do :; done\n", CAPS);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!Files.exists(ready) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(Files.exists(ready), this::safeOutput);
            p.destroy(); // SIGTERM to the supervisor, as libvirt sends it
            assertEquals(3, awaitExit(p), this::safeOutput);
            assertTrue(output().contains("got-term"), output());
        } finally {
            ProcessTrees.stop(p);
        }
    }

    @Test
    void aChildKilledBySignalGives128PlusItsNumber() throws Exception {
        // PID 1 of a namespace ignores signals from inside it: SIGKILL comes from here.
        Path ready = tmp.resolve("ready");
        Process p = start(": > '" + ready + "'\nwhile :; do :; done\n", CAPS);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!Files.exists(ready) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            p.toHandle().children().forEach(ProcessHandle::destroyForcibly);
            assertEquals(128 + 9, awaitExit(p), this::safeOutput);
        } finally {
            ProcessTrees.stop(p);
        }
    }

    @Test
    void theChildEndingWithoutRequestsEndsTheSupervisor() throws Exception {
        Process p = start("exit 0\n", CAPS);
        try {
            assertEquals(0, awaitExit(p), this::safeOutput);
            assertFalse(output().contains("namespace supervisor:"), output());
        } finally {
            ProcessTrees.stop(p);
        }
    }

    @Test
    void anEmptyCapabilityListLeavesTheChildsCapabilities() throws Exception {
        Process p = start("grep CapEff /proc/self/status\n", "");
        try {
            assertEquals(0, awaitExit(p), this::safeOutput);
            assertTrue(output().contains(String.format("CapEff:\t%016x", capEff(ProcessHandle.current().pid()))),
                    output());
        } finally {
            ProcessTrees.stop(p);
        }
    }

    private String safeOutput() {
        try {
            return output();
        } catch (IOException e) {
            return e.toString();
        }
    }
}
