package dev.jvirtiofsd.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The guest kernel and the QEMU a guest test runs with: Debian 12's (Linux 6.1, QEMU 7.2, the
 * host's own) or Debian 13's (Linux 6.12 with multi-queue virtio-fs, QEMU 10), the latter fetched
 * by scripts/fetch-trixie.sh into the repository's cache. Each has a guest image of its own.
 */
enum GuestPlatform {
    BOOKWORM("Linux 6.1, QEMU 7.2", ".cache/guest", false, false),
    /** Linux 6.12 under the host's QEMU 7.2: the newer guest boots there too. */
    TRIXIE_KERNEL("Linux 6.12, QEMU 7.2", ".cache/guest-6.12", true, false),
    TRIXIE("Linux 6.12, QEMU 10", ".cache/guest-6.12", true, true);

    private static final Duration FETCH_TIMEOUT = Duration.ofMinutes(15);
    private static final Set<GuestPlatform> PREPARED = EnumSet.noneOf(GuestPlatform.class);

    private final String description;
    private final String cache;
    private final boolean trixieKernel;
    private final boolean trixieQemu;
    private Path qemu;

    GuestPlatform(String description, String cache, boolean trixieKernel, boolean trixieQemu) {
        this.description = description;
        this.cache = cache;
        this.trixieKernel = trixieKernel;
        this.trixieQemu = trixieQemu;
    }

    @Override
    public String toString() {
        return description;
    }

    Path cacheDirectory() {
        return GuestFiles.repository().resolve(cache);
    }

    /** Fetches what it needs and builds its guest image (once per JVM); the log gets the scripts' output. */
    synchronized void prepare(Path log) throws IOException, InterruptedException {
        synchronized (PREPARED) {
            if (PREPARED.contains(this)) {
                return;
            }
        }
        if (this == BOOKWORM) {
            GuestFiles.buildGuestImage(log);
        } else {
            String kernel = fetch("kernel", log);
            GuestFiles.runScript(List.of(GuestFiles.script("build-guest.sh").toString()),
                    Map.of("JVIRTIOFSD_GUEST_CACHE", cacheDirectory().toString(), "JVIRTIOFSD_GUEST_KERNEL_DEB", kernel),
                    log, FETCH_TIMEOUT);
            if (trixieQemu) {
                qemu = Path.of(fetch("qemu", log));
            }
        }
        synchronized (PREPARED) {
            PREPARED.add(this);
        }
    }

    private static String fetch(String what, Path log) throws IOException, InterruptedException {
        Path out = Files.createTempFile(log.getParent(), "fetch-trixie-" + what, ".out");
        GuestFiles.runScript(List.of(GuestFiles.script("fetch-trixie.sh").toString(), what), Map.of(), out,
                FETCH_TIMEOUT);
        List<String> lines = Files.readAllLines(out);
        Files.writeString(log, String.join("\n", lines) + "\n", java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
        // The last line is the path it prints; its log lines come before.
        return lines.get(lines.size() - 1).trim();
    }

    /** The environment of run-guest.sh for this platform. */
    Map<String, String> environment() {
        return Map.of("JVIRTIOFSD_GUEST_CACHE", cacheDirectory().toString());
    }

    /** The run-guest.sh arguments that select this platform. */
    List<String> runGuestArguments() {
        return trixieQemu ? List.of("--qemu", qemu.toString()) : List.of();
    }

    boolean hasMultiQueueGuest() {
        return trixieKernel;
    }
}
