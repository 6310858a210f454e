package dev.jvirtiofsd.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Where the guest scripts, scenarios and run directories are, and the guest image built once per JVM. */
final class GuestFiles {
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(10);
    private static boolean imageBuilt;

    private GuestFiles() {
    }

    /** The repository's top directory (set by the pom; the module's parent when run from an IDE). */
    static Path repository() {
        String configured = System.getProperty("jvirtiofsd.repo");
        Path path = configured != null ? Path.of(configured) : Path.of("").toAbsolutePath().getParent();
        return path.toAbsolutePath().normalize();
    }

    static Path script(String name) {
        return repository().resolve("integration-tests/scripts").resolve(name);
    }

    static Path scenario(String name) {
        return repository().resolve("integration-tests/guest/scenarios").resolve(name);
    }

    /** A fresh directory for one guest run's files and logs, kept after the run for inspection. */
    static Path newRunDirectory(String name) throws IOException {
        String configured = System.getProperty("jvirtiofsd.guest.runs");
        Path base = configured != null ? Path.of(configured)
                : repository().resolve("integration-tests/target/guest-runs");
        Files.createDirectories(base);
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        return Files.createTempDirectory(base, name + "-" + stamp + "-");
    }

    /**
     * A short directory for a vhost-user socket: a Unix socket path must stay below 108 bytes,
     * which a deep build directory may not.
     */
    static Path newSocketDirectory() throws IOException {
        return Files.createTempDirectory(Path.of("/tmp"), "jvfs-");
    }

    /** Deletes {@code root} and everything under it (symlinks themselves, never their targets). */
    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            for (Path path : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    /** Builds (or finds up to date) the kernel and initramfs, once per JVM. */
    static synchronized void buildGuestImage(Path log) throws IOException, InterruptedException {
        if (imageBuilt) {
            return;
        }
        Process build = new ProcessBuilder(List.of(script("build-guest.sh").toString()))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        if (!ProcessTrees.waitFor(build, BUILD_TIMEOUT)) {
            throw new IllegalStateException("build-guest.sh did not finish in " + BUILD_TIMEOUT);
        }
        if (build.exitValue() != 0) {
            throw new IllegalStateException("build-guest.sh failed (" + build.exitValue() + "):\n"
                    + Files.readString(log));
        }
        imageBuilt = true;
    }
}
