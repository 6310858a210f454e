package dev.jvirtiofsd.daemon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvirtiofsd.daemon.CachePolicy;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every shape of command line libvirt builds for an external virtiofsd (qemu_virtiofs.c of
 * libvirt 9.0 and 11.3), from the {@code <filesystem>}'s {@code <binary>} children, {@code <idmap>}
 * and {@code <readonly/>}: the {@code -o} style of libvirt before 10.x (and of a binary without
 * the separate-options capability), and the separate options libvirt passes once
 * {@code --print-capabilities} offers them.
 */
class LibvirtArgvTest {
    @TempDir
    Path dir;

    private Path share;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void makeShare() throws Exception {
        share = Files.createDirectory(dir.resolve("share"));
    }

    private CommandLineParser.Result parse(String... args) {
        return CommandLineParser.parse(args, new PrintWriter(out), new PrintWriter(err));
    }

    private Options ok(String... args) {
        CommandLineParser.Result r = parse(args);
        assertFalse(r.shouldExit(), () -> "unexpected exit " + r.exitStatus() + ": " + err);
        return r.options();
    }

    /** libvirt's virQEMUBuildBufferEscapeComma: each comma of the path doubled. */
    private static String escapeComma(Path path) {
        return path.toString().replace(",", ",,");
    }

    @Test
    void libvirt90WithEveryBinaryChildOn() {
        // <binary path=... xattr='on'><cache mode='always'/><sandbox mode='chroot'/>
        // <lock posix='on' flock='on'/><thread_pool size='4'/></binary>, as observed.
        Options o = ok("--fd=30", "-o", "source=" + share + ",cache=always,sandbox=chroot,xattr,flock,posix_lock",
                "--thread-pool-size=4");
        assertEquals(share, o.sharedDir);
        assertEquals(30, o.fd);
        assertEquals(CachePolicy.ALWAYS, o.cache);
        assertEquals(SandboxMode.CHROOT, o.sandbox);
        assertTrue(o.xattr);
        assertTrue(o.flock);
        assertTrue(o.posixLock);
        assertEquals(4, o.threadPoolSize);
        assertEquals(LogLevel.INFO, o.logLevel);
        assertFalse(o.readonly);
    }

    @Test
    void libvirt90WithEveryBinaryChildOffAndDebug() {
        // xattr='off', <cache mode='none'/>, <sandbox mode='namespace'/>, <lock posix='off' flock='off'/>,
        // <thread_pool size='0'/>, and virtiofsd_debug = 1 in qemu.conf.
        Options o = ok("--fd=31", "-o",
                "source=" + share + ",cache=none,sandbox=namespace,no_xattr,no_flock,no_posix_lock",
                "--thread-pool-size=0", "-d");
        assertEquals(share, o.sharedDir);
        assertEquals(CachePolicy.NEVER, o.cache);
        assertEquals(SandboxMode.NAMESPACE, o.sandbox);
        assertFalse(o.xattr);
        assertFalse(o.flock);
        assertFalse(o.posixLock);
        assertEquals(0, o.threadPoolSize);
        assertEquals(LogLevel.DEBUG, o.logLevel);
    }

    @Test
    void libvirt90WithBinaryPathOnly() {
        Options o = ok("--fd=30", "-o", "source=" + share);
        assertEquals(share, o.sharedDir);
        assertNull(o.sandbox, "no <sandbox>: the daemon's default");
        assertEquals(CachePolicy.AUTO, o.cache);
        assertFalse(o.xattr || o.flock || o.posixLock);
    }

    @Test
    void sharedDirWithCommasAndEqualsSignsAsLibvirtEscapesIt() throws Exception {
        Path odd = Files.createDirectory(dir.resolve("a,b=c,,d"));
        Options o = ok("--fd=30", "-o", "source=" + escapeComma(odd) + ",cache=always,xattr");
        assertEquals(odd, o.sharedDir);
        assertEquals(CachePolicy.ALWAYS, o.cache);
        assertTrue(o.xattr);
        // A path ending in a comma: three commas are the escaped one, then the separator.
        Path trailing = Files.createDirectory(dir.resolve("end,"));
        assertEquals(trailing, ok("--fd=30", "-o", "source=" + escapeComma(trailing) + ",xattr").sharedDir);
        assertEquals(List.of("source=/x,", "xattr"), CompatOptions.elements("source=/x,,,xattr"));
        assertEquals(List.of("a,,b"), CompatOptions.elements(",a,,,,b,"));
    }

    @Test
    void libvirt10OldStyleWithIdMapOpenFilesAndReadonly() {
        // A binary without the separate-options capability: -o, then the options that have no -o form.
        Options o = ok("--fd=33", "-o", "source=" + share + ",cache=always,xattr", "--thread-pool-size=2",
                "--rlimit-nofile=100000", "-d", "--uid-map=:0:100000:65536:", "--gid-map=:0:100000:65536:",
                "--readonly");
        assertEquals(share, o.sharedDir);
        assertEquals(2, o.threadPoolSize);
        assertEquals(100000L, o.rlimitNofile);
        assertEquals(LogLevel.DEBUG, o.logLevel);
        assertEquals(List.of(new UserNamespaceMap(0, 100000, 65536)), o.uidMaps);
        assertEquals(List.of(new UserNamespaceMap(0, 100000, 65536)), o.gidMaps);
        assertTrue(o.readonly);
    }

    @Test
    void libvirt11SeparateOptionsFullyLoaded() {
        Options o = ok("--fd=33", "--shared-dir", share.toString(), "--cache", "always", "--sandbox", "chroot",
                "--xattr", "--thread-pool-size=4", "--rlimit-nofile=100000", "--log-level", "debug",
                "--uid-map=:0:100000:65536:", "--gid-map=:0:100000:65536:", "--readonly");
        assertEquals(33, o.fd);
        assertEquals(share, o.sharedDir);
        assertEquals(CachePolicy.ALWAYS, o.cache);
        assertEquals(SandboxMode.CHROOT, o.sandbox);
        assertTrue(o.xattr);
        assertEquals(4, o.threadPoolSize);
        assertEquals(100000L, o.rlimitNofile);
        assertEquals(LogLevel.DEBUG, o.logLevel);
        assertEquals(List.of(new UserNamespaceMap(0, 100000, 65536)), o.uidMaps);
        assertEquals(List.of(new UserNamespaceMap(0, 100000, 65536)), o.gidMaps);
        assertTrue(o.readonly);
        assertTrue(o.compatOptions.isEmpty());
    }

    @Test
    void libvirt11SeparateOptionsOtherValues() throws Exception {
        // <cache mode='none'/> becomes --cache never; xattr='off' emits nothing; the path is not escaped.
        Path comma = Files.createDirectory(dir.resolve("with,comma"));
        Options o = ok("--fd=43", "--shared-dir", comma.toString(), "--cache", "never", "--sandbox", "namespace",
                "--thread-pool-size=0");
        assertEquals(comma, o.sharedDir);
        assertEquals(CachePolicy.NEVER, o.cache);
        assertEquals(SandboxMode.NAMESPACE, o.sandbox);
        assertFalse(o.xattr);
        assertEquals(0, o.threadPoolSize);
        // A session daemon's automatic id map: the user's own id, then its subordinate range.
        Options session = ok("--fd=43", "--shared-dir", share.toString(), "--uid-map=:0:1000:1:",
                "--uid-map=:1:100000:65536:", "--gid-map=:0:1000:1:", "--gid-map=:1:100000:65536:");
        assertEquals(List.of(new UserNamespaceMap(0, 1000, 1), new UserNamespaceMap(1, 100000, 65536)),
                session.uidMaps);
        assertEquals(List.of(new UserNamespaceMap(0, 1000, 1), new UserNamespaceMap(1, 100000, 65536)),
                session.gidMaps);
        Options minimal = ok("--fd=43", "--shared-dir", share.toString());
        assertNull(minimal.sandbox);
        assertEquals(CachePolicy.AUTO, minimal.cache);
    }

    @Test
    void printCapabilitiesOffersSeparateOptionsButNotMigration() {
        CommandLineParser.Result r = parse("--print-capabilities");
        assertEquals(0, r.exitStatus());
        assertEquals("{\"type\": \"fs\", \"features\": [\"separate-options\"]}", out.toString().strip());
        assertFalse(out.toString().contains("migrate-precopy"), "no migration: libvirt must not allow it");
        assertEquals("", err.toString());
    }

    @Test
    void printCapabilitiesIgnoresEverythingElse() {
        for (String[] args : List.of(
                new String[] {"--fd=3", "--print-capabilities"},
                new String[] {"--print-capabilities", "--no-such-option", "--cache", "sometimes"},
                new String[] {"--shared-dir", dir.resolve("missing").toString(), "--print-capabilities", "-o", "bogus"})) {
            out.getBuffer().setLength(0);
            CommandLineParser.Result r = parse(args);
            assertEquals(0, r.exitStatus(), String.join(" ", args));
            assertTrue(out.toString().startsWith("{\"type\": \"fs\""), out::toString);
            assertEquals("", err.toString());
        }
    }
}
