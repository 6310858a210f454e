package dev.jvirtiofsd.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A real Linux guest (QEMU, TCG) mounts a directory served by the backend and runs basic file
 * operations on it (guest/scenarios/filesystem.sh). The test fails on any failed or missing
 * guest check, and then checks the host's view of every result itself.
 *
 * <p>The backend is our daemon unless {@code jvirtiofsd.guest.daemon} says otherwise
 * (see {@link DaemonCommand}); the run's files and logs stay in target/guest-runs.
 */
@Tag("guest")
class FilesystemGuestIT {
    private static final List<String> EXPECTED_CHECKS = List.of(
            "read-host-file", "create-write-read", "big-file", "rename", "rename-over", "unlink",
            "mkdir-rmdir", "readdir-1000", "host-file-appears", "symlink", "hard-link", "chmod",
            "truncate", "touch-mtime", "df", "xattr");

    private static final String HOST_FILE_CONTENT = "written by the host\n";
    private static final String LATE_FILE_CONTENT = "created by the host while the guest runs\n";
    private static final long BIG_FILE_SIZE = 64L << 20;
    /** 2001-02-03 04:05:06 UTC, set by the guest with touch -d. */
    private static final long GUEST_MTIME = 981173106L;

    private static final Duration LISTEN_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration DAEMON_EXIT_TIMEOUT = Duration.ofSeconds(30);

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = GuestPlatform.class, names = {"BOOKWORM", "TRIXIE"})
    void guestRunsBasicFileOperationsOnTheShare(GuestPlatform platform) throws Exception {
        Path run = GuestFiles.newRunDirectory("filesystem");
        platform.prepare(run.resolve("prepare.log"));
        Path shared = Files.createDirectory(run.resolve("shared"));
        prepareShare(shared);

        DaemonCommand command = DaemonCommand.configured();
        Path socketDir = GuestFiles.newSocketDirectory();
        Path socket = socketDir.resolve("vfs.sock");
        GuestOutcome outcome;
        OptionalInt daemonExit;
        String daemonDescription;
        try (BackendDaemon daemon = BackendDaemon.start(command, socket, shared, run.resolve("daemon.log"))) {
            daemon.awaitListening(LISTEN_TIMEOUT);
            outcome = new GuestRun(socket, GuestFiles.scenario("filesystem.sh"), run.resolve("console.log"),
                    run.resolve("run-guest.log"), guestTimeout())
                    .on(platform)
                    .onHostRequest("create-late-file", () -> createLateFile(shared))
                    .run();
            daemonExit = daemon.awaitExit(DAEMON_EXIT_TIMEOUT);
            daemonDescription = daemon.describe();
        } finally {
            GuestFiles.deleteTree(socketDir);
        }

        String where = "\n(backend " + command.name() + "; " + platform + "; run directory " + run + ")";
        List<String> guestProblems = outcome.problems(EXPECTED_CHECKS);
        OptionalInt exit = daemonExit;
        assertAll("guest test against " + command.name(),
                () -> assertTrue(guestProblems.isEmpty(),
                        () -> "the guest reported problems:\n  " + String.join("\n  ", guestProblems) + where),
                () -> assertTrue(outcome.consoleContains("CHECKS-DONE failures=0"),
                        () -> "the scenario did not finish cleanly" + where),
                () -> assertHostView(shared, outcome),
                () -> assertTrue(exit.isPresent(),
                        () -> "the backend did not exit within " + DAEMON_EXIT_TIMEOUT + " after QEMU quit\n"
                                + daemonDescription + where),
                () -> assertEquals(0, exit.orElse(0),
                        () -> "the backend's exit status after QEMU quit\n" + daemonDescription + where));

        // Only the logs are worth keeping; the share holds 64 MiB.
        GuestFiles.deleteTree(shared);
    }

    private static Duration guestTimeout() {
        return Duration.ofSeconds(Long.getLong("jvirtiofsd.guest.timeout", 300));
    }

    /** What the scenario expects to find (see the header of filesystem.sh). */
    private static void prepareShare(Path shared) throws IOException {
        Path hostFile = Files.writeString(shared.resolve("host-file.txt"), HOST_FILE_CONTENT);
        setXattr(hostFile, "host-attr", "set-by-the-host");
        setXattr(hostFile, "remove-me", "x");
        Files.writeString(shared.resolve("rename-target.txt"), "old target\n");
        Files.writeString(shared.resolve("unlink-me.txt"), "to be unlinked by the guest\n");
        Files.createDirectory(shared.resolve("rmdir-me"));
    }

    /** Written under another name first, so the guest never sees a partial file. */
    private static void createLateFile(Path shared) throws IOException {
        Path temporary = Files.writeString(shared.resolve(".late-file.tmp"), LATE_FILE_CONTENT);
        Files.move(temporary, shared.resolve("late-file.txt"), StandardCopyOption.ATOMIC_MOVE);
    }

    /** The host's own view of every result, independent of what the guest reported. */
    private static void assertHostView(Path shared, GuestOutcome outcome) {
        List<Executable> checks = new ArrayList<>();
        checks.add(() -> assertEquals(HOST_FILE_CONTENT, read(shared, "host-file.txt"), "host-file.txt content"));
        checks.add(() -> assertEquals("created by the guest\nappended by the guest\n", read(shared, "created.txt"),
                "created.txt content"));
        checks.add(() -> assertBigFile(shared.resolve("big.bin"), outcome));
        checks.add(() -> assertAbsent(shared, "before-rename.txt"));
        checks.add(() -> assertEquals("renamed\n", read(shared, "after-rename.txt"), "after-rename.txt content"));
        checks.add(() -> assertAbsent(shared, "rename-source.txt"));
        checks.add(() -> assertEquals("new content\n", read(shared, "rename-target.txt"),
                "rename-target.txt content (renamed over)"));
        checks.add(() -> assertAbsent(shared, "unlink-me.txt"));
        checks.add(() -> assertAbsent(shared, "guest-temp.txt"));
        checks.add(() -> assertAbsent(shared, "rmdir-me"));
        checks.add(() -> assertEquals(List.of(), list(shared.resolve("guest-dir")), "guest-dir entries"));
        checks.add(() -> assertManyDirectory(shared.resolve("many")));
        checks.add(() -> assertSymlink(shared.resolve("link-to-host-file")));
        checks.add(() -> assertHardLinks(shared.resolve("link-first.txt"), shared.resolve("link-second.txt")));
        checks.add(() -> assertEquals("rw-r-----", permissions(shared.resolve("mode.txt")), "mode.txt permissions"));
        checks.add(() -> assertEquals("rwxr-x---", permissions(shared.resolve("mode-dir")), "mode-dir permissions"));
        checks.add(() -> assertEquals("0123456789", read(shared, "truncate.txt"), "truncate.txt content"));
        checks.add(() -> assertEquals(GUEST_MTIME,
                Files.getLastModifiedTime(shared.resolve("mtime.txt")).toInstant().getEpochSecond(),
                "mtime.txt modification time"));
        checks.add(() -> assertStatfs(shared, outcome));
        checks.add(() -> assertEquals("from-the-guest", getXattr(shared.resolve("xattr.txt"), "guest-attr"),
                "user.guest-attr of xattr.txt"));
        checks.add(() -> assertEquals("set-by-the-host", getXattr(shared.resolve("host-file.txt"), "host-attr"),
                "user.host-attr of host-file.txt"));
        checks.add(() -> assertFalse(xattrNames(shared.resolve("host-file.txt")).contains("remove-me"),
                "user.remove-me of host-file.txt was removed by the guest"));
        assertAll("the host's view of the share", checks);
    }

    private static void assertBigFile(Path file, GuestOutcome outcome) throws IOException {
        assertEquals(BIG_FILE_SIZE, Files.size(file), "big.bin size");
        String guestDigest = outcome.detailField("big-file", "sha256")
                .orElseGet(() -> fail("the guest printed no sha256 for big.bin"));
        assertEquals(guestDigest, sha256(file), "SHA-256 of big.bin: the guest's vs the host's");
    }

    private static void assertManyDirectory(Path many) throws IOException {
        Set<String> expected = IntStream.range(0, 1000).mapToObj(i -> String.format("f%03d", i))
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(expected, new TreeSet<>(list(many)), "names in many/");
        for (String name : expected) {
            assertEquals(0, Files.size(many.resolve(name)), () -> "size of many/" + name);
        }
    }

    private static void assertSymlink(Path link) throws IOException {
        assertTrue(Files.isSymbolicLink(link), "link-to-host-file is a symlink");
        assertEquals(Path.of("host-file.txt"), Files.readSymbolicLink(link), "link-to-host-file target");
    }

    private static void assertHardLinks(Path first, Path second) throws IOException {
        assertEquals("linked\n", Files.readString(second), "link-second.txt content");
        assertEquals(2, nlink(first), "link count of link-first.txt");
        assertEquals(2, nlink(second), "link count of link-second.txt");
        assertEquals(Files.getAttribute(first, "unix:ino", LinkOption.NOFOLLOW_LINKS),
                Files.getAttribute(second, "unix:ino", LinkOption.NOFOLLOW_LINKS), "both names, one inode");
    }

    /** The guest's statfs of the mount is the host's statvfs of the shared directory. */
    private static void assertStatfs(Path shared, GuestOutcome outcome) throws IOException {
        Supplier<String> noField = () -> fail("the guest printed no statfs figures");
        long blocks = Long.parseLong(outcome.detailField("df", "blocks").orElseGet(noField));
        long frsize = Long.parseLong(outcome.detailField("df", "frsize").orElseGet(noField));
        assertEquals(Files.getFileStore(shared).getTotalSpace(), blocks * frsize,
                "total size: the host's statvfs vs the guest's statfs (blocks * frsize)");
    }

    private static void assertAbsent(Path shared, String name) {
        assertFalse(Files.exists(shared.resolve(name), LinkOption.NOFOLLOW_LINKS), name + " is gone");
    }

    private static String read(Path shared, String name) throws IOException {
        return Files.readString(shared.resolve(name));
    }

    private static List<String> list(Path directory) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    private static String permissions(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
    }

    private static int nlink(Path path) throws IOException {
        return (Integer) Files.getAttribute(path, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buffer = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** user.* attributes, named without the "user." prefix as Java's view does. */
    private static void setXattr(Path file, String name, String value) throws IOException {
        xattrView(file).write(name, StandardCharsets.UTF_8.encode(value));
    }

    private static String getXattr(Path file, String name) throws IOException {
        UserDefinedFileAttributeView view = xattrView(file);
        ByteBuffer buffer = ByteBuffer.allocate(view.size(name));
        view.read(name, buffer);
        return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
    }

    private static List<String> xattrNames(Path file) throws IOException {
        return xattrView(file).list();
    }

    private static UserDefinedFileAttributeView xattrView(Path file) {
        return Files.getFileAttributeView(file, UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
    }

}
