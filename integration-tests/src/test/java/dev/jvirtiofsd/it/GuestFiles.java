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

    /** Builds (or finds up to date) the kernel and initramfs of Debian 12's guest, once per JVM. */
    static synchronized void buildGuestImage(Path log) throws IOException, InterruptedException {
        if (imageBuilt) {
            return;
        }
        runScript(List.of(script("build-guest.sh").toString()), java.util.Map.of(), log, BUILD_TIMEOUT);
        imageBuilt = true;
    }

    /** Runs a script with {@code environment} added, its output into {@code log}; fails unless it exits 0. */
    static void runScript(List<String> command, java.util.Map<String, String> environment, Path log, Duration timeout)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().putAll(environment);
        Process process = builder.start();
        String name = Path.of(command.get(0)).getFileName().toString();
        if (!ProcessTrees.waitFor(process, timeout)) {
            ProcessTrees.stop(process);
            throw new IllegalStateException(name + " did not finish in " + timeout);
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException(name + " failed (" + process.exitValue() + "):\n" + Files.readString(log));
        }
    }
}
