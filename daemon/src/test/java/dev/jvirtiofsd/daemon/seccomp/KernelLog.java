package dev.jvirtiofsd.daemon.seccomp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * The kernel's log, where SECCOMP_RET_LOG lands as an audit record of type 1326 when no audit
 * daemon takes the records (as on this test host):
 * {@code audit: type=1326 ... pid=N comm="java" ... syscall=124 ... code=0x7ffc0000}.
 */
public final class KernelLog {
    private KernelLog() {
    }

    /** Whether the log can be read here (root, or dmesg_restrict off). */
    public static boolean readable() {
        try {
            return read() != null;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /**
     * Waits (audit records are printed by a kernel thread, a little later) for a seccomp log
     * record of {@code pid} calling {@code syscall}.
     */
    public static boolean awaitSeccompRecord(long pid, int syscall, Duration patience)
            throws IOException, InterruptedException {
        Instant end = Instant.now().plus(patience);
        do {
            String log = read();
            if (log != null && hasRecord(log, pid, syscall)) {
                return true;
            }
            Thread.sleep(100);
        } while (Instant.now().isBefore(end));
        return false;
    }

    static boolean hasRecord(String log, long pid, int syscall) {
        for (String line : log.split("\n")) {
            if (line.contains("type=1326") && line.contains(" pid=" + pid + " ")
                    && line.contains(" syscall=" + syscall + " ")) {
                return true;
            }
        }
        return false;
    }

    private static String read() throws IOException, InterruptedException {
        Process dmesg = new ProcessBuilder("dmesg").redirectErrorStream(true).start();
        byte[] out = dmesg.getInputStream().readAllBytes();
        if (!dmesg.waitFor(10, TimeUnit.SECONDS) || dmesg.exitValue() != 0) {
            dmesg.destroyForcibly();
            return null;
        }
        return new String(out, StandardCharsets.UTF_8);
    }
}
