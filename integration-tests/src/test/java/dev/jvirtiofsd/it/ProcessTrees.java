package dev.jvirtiofsd.it;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Waiting for and stopping child processes together with everything they started. */
final class ProcessTrees {
    private static final Duration TERM_GRACE = Duration.ofSeconds(5);

    private ProcessTrees() {
    }

    static boolean waitFor(Process process, Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The process and its descendants, parents first. */
    static List<ProcessHandle> tree(ProcessHandle root) {
        return Stream.concat(Stream.of(root), root.descendants()).collect(Collectors.toList());
    }

    /** SIGTERM to the whole tree, then SIGKILL to whatever is left after a grace period. */
    static void stop(Process process) throws InterruptedException {
        List<ProcessHandle> all = tree(process.toHandle());
        all.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + TERM_GRACE.toNanos();
        for (ProcessHandle handle : all) {
            long left = Math.max(0, deadline - System.nanoTime());
            try {
                handle.onExit().get(left, TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                handle.destroyForcibly();
            }
        }
        process.waitFor(TERM_GRACE.toMillis(), TimeUnit.MILLISECONDS);
    }
}
