package dev.jvirtiofsd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code jvirtiofsd check} through bin/jvirtiofsd, on real setups: filesystems mounted for the
 * test (tmpfs with and without nosuid,nodev, ramfs, which has neither file handles nor extended
 * attributes) in a mount namespace of its own, so nothing stays mounted on the host; a share on
 * the root filesystem; a parent the daemon's user cannot search; config files; bad command lines.
 */
class CheckLauncherTest {
    static final int NOBODY = 65534;

    Path tmp;

    @BeforeEach
    void makeDirectory() throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")), "mounts filesystems, gives files to other users");
        tmp = Files.createTempDirectory("jvirtiofsd-check");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterEach
    void removeDirectory() throws IOException {
        if (tmp != null) {
            try (Stream<Path> all = Files.walk(tmp)) {
                all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    record Outcome(int status, String output) {
    }

    private Outcome run(List<String> prefix, List<String> environment, String... args) throws Exception {
        List<String> command = new ArrayList<>(prefix);
        command.add(LauncherTest.launcher().toString());
        command.add("check");
        command.addAll(List.of(args));
        Path log = tmp.resolve("check.log");
        ProcessBuilder pb = LaunchedDaemon.builder(command, "", log);
        for (String e : environment) {
            pb.environment().put(e.substring(0, e.indexOf('=')), e.substring(e.indexOf('=') + 1));
        }
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "check ends");
        return new Outcome(p.exitValue(), LaunchedDaemon.log(log));
    }

    /**
     * A shell that mounts {@code mount} (e.g. "tmpfs -o nosuid,nodev") on tmp/mnt in a private
     * mount namespace, makes mnt/vfs (0700) and in it the share, owned 200:200, 0755, then runs
     * the launcher with the arguments given.
     */
    private List<String> inMountNamespace(String mount) throws IOException {
        Files.createDirectory(tmp.resolve("mnt"));
        String mnt = tmp.resolve("mnt").toString();
        return List.of("unshare", "--mount", "--propagation", "private", "sh", "-ec",
                "mount -t " + mount + " none " + mnt + "; mkdir -m 0700 " + mnt + "/vfs; mkdir -m 0755 " + mnt
                        + "/vfs/share; chown 200:200 " + mnt + "/vfs/share; exec \"$@\"", "sh");
    }

    private Path share() {
        return tmp.resolve("mnt/vfs/share");
    }

    /** The Proxmox how-to's setup, done right but for the ids; then with its --translate-uid/-gid fix. */
    @Test
    void theProxmoxUidMismatchIsTheOneProblemAndItsFixMakesTheCheckPass() throws Exception {
        Outcome o = run(inMountNamespace("tmpfs -o nosuid,nodev"), List.of(), "--shared-dir=" + share(),
                "--guest-uid=1000", "--guest-gid=1000", "--xattr");
        assertEquals(1, o.status(), o.output());
        assertTrue(o.output().contains("problem: guest user 1000:1000 cannot write " + share() + ": it has owner "
                + "200:200, mode 0755, and the guest's ids reach the host as 1000:1000\n"
                + "fix: --translate-uid map:1000:200:1 --translate-gid map:1000:200:1\n"), o.output());
        assertTrue(o.output().endsWith("1 problem found\n"), o.output());
        for (String passed : List.of("is a directory", "is not on the host's root filesystem",
                "(tmpfs) holding the share has nosuid,nodev", "(tmpfs) gives file handles",
                "(tmpfs) has user extended attributes (--xattr)", "of the share is mode 0700")) {
            assertTrue(o.output().contains(passed), passed + " in " + o.output());
        }

        Files.deleteIfExists(tmp.resolve("check.log"));
        Files.delete(tmp.resolve("mnt"));
        o = run(inMountNamespace("tmpfs -o nosuid,nodev"), List.of(), "--shared-dir=" + share(), "--guest-uid=1000",
                "--guest-gid=1000", "--xattr", "--translate-uid", "map:1000:200:1", "--translate-gid=map:1000:200:1");
        assertEquals(0, o.status(), o.output());
        assertTrue(o.output().contains("ok: guest user 1000:1000 (on the host 200:200 after "
                + "--translate-uid/--translate-gid) can write " + share()), o.output());
        assertTrue(o.output().endsWith("no problems found\n"), o.output());
    }

    /** The same fix, from the config file found by the shared directory, as the daemon would read it. */
    @Test
    void theRulesOfTheConfigFileForTheShareCountToo() throws Exception {
        Path etc = Files.createDirectory(tmp.resolve("etc"));
        Path file = Files.writeString(etc.resolve("vm100.conf"), "--shared-dir=" + share() + "\n"
                + "--translate-uid=map:1000:200:1\n--translate-gid=map:1000:200:1\n");
        Outcome o = run(inMountNamespace("tmpfs -o nosuid,nodev"), List.of("JVIRTIOFSD_CONFIG_DIR=" + etc),
                "--shared-dir=" + share(), "--guest-uid=1000", "--guest-gid=1000");
        assertEquals(0, o.status(), o.output());
        assertTrue(o.output().startsWith("config: " + file + " (its arguments before the command line's)\n"),
                o.output());
    }

    @Test
    void aMountWithoutNosuidNodevGetsTheRemountThatAddsThem() throws Exception {
        Files.createDirectory(tmp.resolve("mnt"));
        String mnt = tmp.resolve("mnt").toString();
        List<String> prefix = List.of("unshare", "--mount", "--propagation", "private", "sh", "-ec",
                "mount -t tmpfs none " + mnt + "; chmod 0755 " + mnt + "; exec \"$@\"", "sh");
        Outcome o = run(prefix, List.of(), "--shared-dir=" + mnt);
        assertEquals(1, o.status(), o.output());
        assertTrue(o.output().contains("problem: the mount at " + mnt + " (tmpfs) holding the share lacks nosuid,nodev: "
                + "setuid programs and device nodes the guest creates take effect on the host\n"
                + "fix: mount -o remount,bind,nosuid,nodev " + mnt + "\n"), o.output());
    }

    @Test
    void aFilesystemWithoutExtendedAttributesIsAProblemOnlyWithXattr() throws Exception {
        Outcome o = run(inMountNamespace("ramfs -o nosuid,nodev"), List.of(), "--shared-dir=" + share(), "--xattr");
        assertEquals(1, o.status(), o.output());
        assertTrue(o.output().contains("problem: the filesystem of " + share() + " (ramfs) has no user extended "
                + "attributes, which --xattr"), o.output());
        assertTrue(o.output().contains("note: the filesystem of " + share() + " (ramfs) gives no file handles: "
                + "--inode-file-handles=mandatory would fail on it"), o.output());
        assertTrue(o.output().endsWith("1 problem found\n"), o.output());

        Files.delete(tmp.resolve("mnt"));
        o = run(inMountNamespace("ramfs -o nosuid,nodev"), List.of(), "--shared-dir=" + share(), "-o", "no_xattr");
        assertEquals(0, o.status(), o.output());
        assertTrue(o.output().contains("note: the filesystem of " + share() + " (ramfs) has no user extended "
                + "attributes"), o.output());
        assertTrue(Files.notExists(tmp.resolve("mnt/vfs")), "the mount stayed in its namespace");
    }

    @Test
    void aFilesystemWithoutFileHandlesIsAProblemOnlyWithMandatoryHandles() throws Exception {
        Outcome o = run(inMountNamespace("ramfs -o nosuid,nodev"), List.of(), "--shared-dir=" + share(),
                "--inode-file-handles=mandatory");
        assertEquals(1, o.status(), o.output());
        assertTrue(o.output().contains("problem: the filesystem of " + share() + " (ramfs) gives no file handles, "
                + "which --inode-file-handles=mandatory needs"), o.output());
        assertTrue(o.output().contains("fix: --inode-file-handles=prefer"), o.output());

        Files.delete(tmp.resolve("mnt"));
        o = run(inMountNamespace("ramfs -o nosuid,nodev"), List.of(), "--shared-dir=" + share(),
                "--inode-file-handles=prefer");
        assertEquals(0, o.status(), o.output());
        assertTrue(o.output().contains("note: the filesystem of " + share() + " (ramfs) gives no file handles"),
                o.output());
    }

    @Test
    void aShareOnTheRootFilesystemIsAProblem() throws Exception {
        assumeTrue(Files.getAttribute(tmp, "unix:dev").equals(Files.getAttribute(Path.of("/"), "unix:dev")),
                "the temporary directory is on the root filesystem");
        Path share = Files.createDirectory(tmp.resolve("share"));
        Outcome o = run(List.of(), List.of(), "--shared-dir=" + share);
        assertEquals(1, o.status(), o.output());
        assertTrue(o.output().contains("problem: " + share + " is on the host's root filesystem: a guest can fill "
                + "it, inodes included"), o.output());
        // The probe attribute is gone again.
        assertFalse(new String(new ProcessBuilder("getfattr", "-d", share.toString()).start().getInputStream()
                .readAllBytes()).contains("jvirtiofsd"));
    }

    @Test
    void aParentTheDaemonsUserCannotSearchIsNamedWithTheGrantThatFixesIt() throws Exception {
        Path closed = Files.createDirectory(tmp.resolve("closed"));
        Path inner = Files.createDirectory(closed.resolve("inner"));
        Path share = Files.createDirectory(inner.resolve("share"));
        Files.setPosixFilePermissions(inner, PosixFilePermissions.fromString("rwxr-xr--"));
        Outcome o = run(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups", "--"),
                List.of(), "--shared-dir=" + share);
        assertEquals(1, o.status(), o.output());
        assertTrue(o.output().contains("problem: " + share + " cannot be reached by user nobody: " + inner + " is not "
                + "searchable by it, so a daemon run as nobody cannot serve the share\n"
                + "fix: setfacl -m u:nobody:x " + inner + "\n"), o.output());
        assertTrue(o.output().endsWith("1 problem found\n"), o.output());

        // As root nothing to say about the parents.
        o = run(List.of(), List.of(), "--shared-dir=" + share);
        assertTrue(o.output().contains("ok: run as root, the daemon needs no search permission on the parents"),
                o.output());
    }

    @Test
    void badCommandLinesExitWithStatusTwo() throws Exception {
        Outcome o = run(List.of(), List.of());
        assertEquals(2, o.status(), o.output());
        assertTrue(o.output().startsWith("error: give the share to check with --shared-dir"), o.output());
        o = run(List.of(), List.of(), "--shared-dir=" + tmp, "--guest-uid=1000");
        assertEquals(2, o.status(), o.output());
        assertTrue(o.output().startsWith("error: --guest-uid and --guest-gid go together"), o.output());
        o = run(List.of(), List.of(), "--shared-dir=" + tmp, "--no-such-option");
        assertEquals(2, o.status(), o.output());
        o = run(List.of(), List.of(), "--help");
        assertEquals(0, o.status(), o.output());
        assertTrue(o.output().startsWith("Usage: jvirtiofsd check "), o.output());
    }
}
