package dev.jvirtiofsd.daemon.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** RLIMIT_NOFILE through the binding, checked in /proc/self/limits. */
class ResourceLimitsTest {

    static long[] procLimits() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
            if (line.startsWith("Max open files")) {
                String[] f = line.substring("Max open files".length()).trim().split("\\s+");
                return new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])};
            }
        }
        throw new AssertionError("no open-file limit in /proc/self/limits");
    }

    @Test
    void readsAndSetsTheOpenFileLimit() throws Exception {
        ResourceLimits.Limit original = ResourceLimits.openFiles();
        long[] proc = procLimits();
        assertEquals(proc[0], original.soft());
        assertEquals(proc[1], original.hard());
        long lower = Math.min(original.soft(), 4096) - 1;
        try {
            ResourceLimits.setOpenFiles(lower, original.hard());
            assertEquals(lower, procLimits()[0]);
            assertEquals(original.hard(), procLimits()[1]);
            assertEquals(lower, ResourceLimits.openFiles().soft());
        } finally {
            ResourceLimits.setOpenFiles(original.soft(), original.hard());
        }
        assertEquals(original.soft(), procLimits()[0]);
    }

    @Test
    void aSoftLimitAboveTheHardOneIsEinval() throws Exception {
        ResourceLimits.Limit original = ResourceLimits.openFiles();
        ErrnoException e = org.junit.jupiter.api.Assertions.assertThrows(ErrnoException.class,
                () -> ResourceLimits.setOpenFiles(original.hard(), original.hard() - 1));
        assertEquals(Errno.EINVAL, e.errno());
        assertEquals(original, ResourceLimits.openFiles());
    }
}
