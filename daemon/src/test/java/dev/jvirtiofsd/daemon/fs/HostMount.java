package dev.jvirtiofsd.daemon.fs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A filesystem mounted on the host for a test (root only), lazily unmounted by {@link #close()}:
 * a tmpfs, a ramfs (a filesystem without file handles), or an ext4 image on a loop device.
 */
public final class HostMount implements AutoCloseable {
    private final Path point;

    private HostMount(Path point) {
        this.point = point;
    }

    /** A tmpfs at {@code point}, or null when it cannot be mounted (not root). */
    public static HostMount tmpfs(Path point) throws IOException, InterruptedException {
        return run("mount", "-t", "tmpfs", "-o", "size=4m,mode=0755", "jvirtiofsd-test", point.toString())
                ? new HostMount(point) : null;
    }

    /** A ramfs (no export operations: no file handles) at {@code point}, or null. */
    public static HostMount ramfs(Path point) throws IOException, InterruptedException {
        return run("mount", "-t", "ramfs", "-o", "mode=0755", "jvirtiofsd-test", point.toString())
                ? new HostMount(point) : null;
    }

    /** A fresh 16 MiB ext4 in {@code image}, mounted through a loop device at {@code point}, or null. */
    public static HostMount ext4(Path image, Path point) throws IOException, InterruptedException {
        if (!run("truncate", "-s", "16M", image.toString()) || !run("mkfs.ext4", "-q", "-F", image.toString())) {
            return null;
        }
        return run("mount", "-o", "loop", image.toString(), point.toString()) ? new HostMount(point) : null;
    }

    public Path point() {
        return point;
    }

    /** The mount's source as /proc/self/mountinfo names it (the loop device of an ext4 image). */
    public String source() throws IOException {
        String target = point.toRealPath().toString();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
            String[] fields = line.split(" ");
            int separator = List.of(fields).indexOf("-");
            if (fields.length > 4 && fields[4].equals(target) && separator > 0 && separator + 2 < fields.length) {
                return fields[separator + 2];
            }
        }
        throw new IOException("no mount at " + target);
    }

    private static boolean run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(new ArrayList<>(List.of(command))).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        run("umount", "--lazy", point.toString());
    }
}
