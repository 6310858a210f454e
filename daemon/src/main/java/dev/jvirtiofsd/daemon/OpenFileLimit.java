package dev.jvirtiofsd.daemon;

import dev.jvirtiofsd.daemon.sys.ErrnoException;
import dev.jvirtiofsd.daemon.sys.ResourceLimits;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --rlimit-nofile}: the daemon holds an fd per inode the guest knows, so it raises its
 * open-file limit, as the Rust virtiofsd does. Without the option the target is
 * min(1,000,000, /proc/sys/fs/nr_open): a soft limit already that high is left alone, and if
 * raising fails the hard limit is used instead, with a warning. An explicit value above nr_open,
 * or one that cannot be set, stops the start-up; 0 leaves the limit as it is.
 */
final class OpenFileLimit {
    private static final Logger LOG = LoggerFactory.getLogger(OpenFileLimit.class);
    static final long DEFAULT_MAX = 1_000_000;
    private static final Path NR_OPEN = Path.of("/proc/sys/fs/nr_open");

    private OpenFileLimit() {
    }

    /**
     * Applies the option.
     *
     * @param requested the option's value, or null when not given
     * @throws IOException with a one-line reason when start-up must stop
     */
    static void apply(Long requested) throws IOException {
        if (requested != null && requested == 0) {
            return;
        }
        long nrOpen = nrOpen();
        if (requested == null) {
            raiseByDefault(Math.min(DEFAULT_MAX, nrOpen));
            return;
        }
        if (requested > nrOpen) {
            throw new IOException("--rlimit-nofile=" + requested + " is above the system's maximum of " + nrOpen
                    + " (/proc/sys/fs/nr_open)");
        }
        try {
            ResourceLimits.setOpenFiles(requested, requested);
        } catch (ErrnoException e) {
            throw new IOException("cannot set --rlimit-nofile=" + requested + ": " + e.getMessage(), e);
        }
    }

    private static void raiseByDefault(long target) throws IOException {
        ResourceLimits.Limit now = ResourceLimits.openFiles();
        if (now.soft() >= target) {
            return;
        }
        try {
            ResourceLimits.setOpenFiles(target, target);
        } catch (ErrnoException e) {
            LOG.warn("cannot raise the open-file limit to {} ({}); using the hard limit {}", target,
                    e.getMessage(), now.hard());
            ResourceLimits.setOpenFiles(now.hard(), now.hard());
        }
    }

    private static long nrOpen() throws IOException {
        // Line by line: a /proc file reports size 0, and a whole-file read of it can come back short.
        List<String> lines = Files.readAllLines(NR_OPEN, StandardCharsets.US_ASCII);
        String text = lines.isEmpty() ? "" : lines.get(0).trim();
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IOException(NR_OPEN + " holds '" + text + "', not a number");
        }
    }
}
