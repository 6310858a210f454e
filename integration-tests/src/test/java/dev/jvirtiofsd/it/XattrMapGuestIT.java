package dev.jvirtiofsd.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import dev.jvirtiofsd.daemon.sys.Errno;
import dev.jvirtiofsd.daemon.sys.Syscalls;

/**
 * --xattrmap in a real guest (guest/scenarios/xattrmap.sh): {@code setfattr -n user.foo} lands on
 * the host as {@code user.virtiofs.user.foo}, the host's own user.* and its SELinux label are
 * hidden from the guest's listings and reads, the map's target names are refused, and the guest's
 * security.selinux is kept as trusted.virtiofs.security.selinux (the Rust virtiofsd README's
 * setup for SELinux guests, with --modcaps=+sys_admin for trusted.*). The host checks every
 * result with its own xattr calls afterwards.
 *
 * <p>{@link #ourDaemonMapsAsConfigured} runs the configured backend (ours by default; it must take
 * --xattrmap= and --modcaps=); {@link #rustVirtiofsdMapsTheSame} runs the
 * same scenario against Debian trixie's Rust virtiofsd 1.13 (see {@link DaemonCommand#RUST_WRAPPER}),
 * which must pass it unchanged; -Djvirtiofsd.guest.differential=false skips that run.
 */
@Tag("guest")
class XattrMapGuestIT {
    /** Three rules with two separators, one per line, and the README's SELinux map last. */
    static final String MAP = ":prefix:all:user.:user.virtiofs.:\n"
            + "        /bad/server//user./\n"
            + "        :map:security.selinux:trusted.virtiofs.:\n";

    private static final List<String> EXPECTED_CHECKS = List.of(
            "user-mapped", "user-removed", "host-names-hidden", "guarded-target", "selinux-remap",
            "host-label-hidden");
    private static final String HOST_LABEL = "host_u:object_r:host_t:s0";
    private static final String GUEST_LABEL = "system_u:object_r:guest_t:s0";
    private static final Duration LISTEN_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration DAEMON_EXIT_TIMEOUT = Duration.ofSeconds(30);

    @Test
    void ourDaemonMapsAsConfigured() throws Exception {
        run(DaemonCommand.configured(), "xattrmap");
    }

    @Test
    void rustVirtiofsdMapsTheSame() throws Exception {
        Assumptions.assumeTrue(Boolean.parseBoolean(System.getProperty("jvirtiofsd.guest.differential", "true")),
                "differential run disabled");
        run(DaemonCommand.parse("rust"), "xattrmap-rust");
    }

    private static void run(DaemonCommand backend, String name) throws Exception {
        DaemonCommand command = backend.withArguments("--modcaps=+sys_admin", "--xattrmap=" + MAP);
        Path run = GuestFiles.newRunDirectory(name);
        GuestFiles.buildGuestImage(run.resolve("build-guest.log"));
        Path shared = Files.createDirectory(run.resolve("shared"));
        prepareShare(shared);

        Path socketDir = GuestFiles.newSocketDirectory();
        Path socket = socketDir.resolve("vfs.sock");
        GuestOutcome outcome;
        OptionalInt daemonExit;
        String daemonDescription;
        try (BackendDaemon daemon = BackendDaemon.start(command, socket, shared, run.resolve("daemon.log"))) {
            daemon.awaitListening(LISTEN_TIMEOUT);
            outcome = new GuestRun(socket, GuestFiles.scenario("xattrmap.sh"), run.resolve("console.log"),
                    run.resolve("run-guest.log"), guestTimeout()).run();
            daemonExit = daemon.awaitExit(DAEMON_EXIT_TIMEOUT);
            daemonDescription = daemon.describe();
        } finally {
            GuestFiles.deleteTree(socketDir);
        }

        String where = "\n(backend " + command.name() + "; run directory " + run + ")";
        List<String> guestProblems = outcome.problems(EXPECTED_CHECKS);
        OptionalInt exit = daemonExit;
        assertAll("xattrmap test against " + command.name(),
                () -> assertTrue(guestProblems.isEmpty(),
                        () -> "the guest reported problems:\n  " + String.join("\n  ", guestProblems) + where),
                () -> assertTrue(outcome.consoleContains("CHECKS-DONE failures=0"),
                        () -> "the scenario did not finish cleanly" + where),
                () -> assertAll("the host's view of the share" + where, hostView(shared)),
                () -> assertTrue(exit.isPresent(),
                        () -> "the backend did not exit within " + DAEMON_EXIT_TIMEOUT + " after QEMU quit\n"
                                + daemonDescription + where),
                () -> assertEquals(0, exit.orElse(0),
                        () -> "the backend's exit status after QEMU quit\n" + daemonDescription + where));
    }

    private static Duration guestTimeout() {
        return Duration.ofSeconds(Long.getLong("jvirtiofsd.guest.timeout", 300));
    }

    /** What the scenario expects to find (see the header of xattrmap.sh). */
    private static void prepareShare(Path shared) throws IOException {
        Path host = Files.writeString(shared.resolve("host.txt"), "host\n");
        setXattr(host, "user.hostonly", "the host's own");
        setXattr(host, "user.virtiofs.user.shared", "for the guest");
        setXattr(host, "trusted.host", "kept");
        setXattr(Files.writeString(shared.resolve("host-label.txt"), "labelled by the host\n"), "security.selinux",
                HOST_LABEL);
    }

    /** The host's own view of every result, independent of what the guest reported. */
    private static Executable[] hostView(Path shared) {
        Path guest = shared.resolve("guest.txt");
        Path host = shared.resolve("host.txt");
        Path label = shared.resolve("label.txt");
        Path hostLabel = shared.resolve("host-label.txt");
        List<Executable> checks = new ArrayList<>();
        checks.add(() -> assertEquals("bar", xattr(guest, "user.virtiofs.user.foo"),
                "guest.txt: the guest's user.foo under its mapped name"));
        checks.add(() -> assertEquals(List.of("user.virtiofs.user.foo"), names(guest),
                "guest.txt: nothing under the guest's own names, user.gone removed"));
        checks.add(() -> assertEquals(List.of("trusted.host", "user.hostonly", "user.virtiofs.user.shared"),
                names(host), "host.txt: the host's attributes as they were"));
        checks.add(() -> assertEquals("the host's own", xattr(host, "user.hostonly")));
        checks.add(() -> assertEquals(GUEST_LABEL, xattr(label, "trusted.virtiofs.security.selinux"),
                "label.txt: the guest's label under trusted.virtiofs."));
        checks.add(() -> assertNull(xattr(label, "security.selinux"), "label.txt: no host label set by the guest"));
        checks.add(() -> assertEquals(List.of("security.selinux"), names(hostLabel),
                "host-label.txt: the host's label alone, nothing forged"));
        checks.add(() -> assertEquals(HOST_LABEL, xattr(hostLabel, "security.selinux")));
        return checks.toArray(new Executable[0]);
    }

    private static void setXattr(Path file, String name, String value) {
        int ret = Syscalls.setxattr(bytes(file.toString()), bytes(name), bytes(value), 0);
        assertEquals(0, ret, () -> "setxattr " + name + " on " + file + ": " + Syscalls.strerror(-ret));
    }

    /** An attribute's value as text, or null when the file has none of that name. */
    private static String xattr(Path file, String name) {
        byte[] buf = new byte[4096];
        int n = Syscalls.getxattr(bytes(file.toString()), bytes(name), buf);
        if (n == -Errno.ENODATA) {
            return null;
        }
        assertTrue(n >= 0, () -> "getxattr " + name + " of " + file + ": " + Syscalls.strerror(-n));
        return new String(buf, 0, n, StandardCharsets.UTF_8);
    }

    /** Every attribute name of the file, sorted. */
    private static List<String> names(Path file) {
        byte[] buf = new byte[65536];
        int n = Syscalls.listxattr(bytes(file.toString()), buf);
        assertTrue(n >= 0, () -> "listxattr of " + file + ": " + Syscalls.strerror(-n));
        List<String> names = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < n; i++) {
            if (buf[i] == 0) {
                names.add(new String(buf, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        names.sort(null);
        return names;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
