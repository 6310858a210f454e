package dev.jvirtiofsd.daemon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvirtiofsd.daemon.CachePolicy;
import dev.jvirtiofsd.daemon.fs.InodeFileHandles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandLineParserTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private CommandLineParser.Result parse(String... args) {
        return CommandLineParser.parse(args, new PrintWriter(out), new PrintWriter(err));
    }

    private Options ok(String... args) {
        CommandLineParser.Result r = parse(args);
        assertFalse(r.shouldExit(), () -> "unexpected exit: " + err);
        return r.options();
    }

    private void rejected(String reasonPart, String... args) {
        CommandLineParser.Result r = parse(args);
        assertTrue(r.shouldExit());
        assertEquals(CommandLineParser.USAGE_ERROR, r.exitStatus());
        String text = err.toString();
        assertTrue(text.contains(reasonPart), () -> "expected '" + reasonPart + "' in: " + text);
        assertTrue(text.startsWith("error: "), text);
    }

    @Test
    void defaultsMatchTheRustDaemon() {
        Options o = ok("--shared-dir", dir.toString(), "--socket-path", dir.resolve("s").toString());
        assertEquals(dir, o.sharedDir);
        assertEquals(dir.resolve("s"), o.effectiveSocketPath());
        assertEquals(CachePolicy.AUTO, o.cache);
        assertEquals(0, o.threadPoolSize);
        assertFalse(o.xattr);
        assertEquals(LogLevel.INFO, o.logLevel);
        assertNull(o.tag);
        assertNull(o.fd);
        assertEquals(SandboxMode.CHROOT, o.effectiveSandbox(true));
        assertEquals(SandboxMode.NONE, o.effectiveSandbox(false));
    }

    @Test
    void equalsAndSpaceFormsAndCaseInsensitiveValues() {
        Options o = ok("--shared-dir=" + dir, "--fd=3", "--cache", "ALWAYS", "--xattr", "--thread-pool-size=4",
                "--log-level=Debug", "--sandbox", "None", "--tag", "myfs");
        assertEquals(3, o.fd);
        assertEquals(CachePolicy.ALWAYS, o.cache);
        assertTrue(o.xattr);
        assertEquals(4, o.threadPoolSize);
        assertEquals(LogLevel.DEBUG, o.logLevel);
        assertEquals(SandboxMode.NONE, o.effectiveSandbox(true));
        assertEquals("myfs", o.tag);
    }

    @Test
    void everyCachePolicyParses() {
        for (String v : new String[] {"auto", "always", "never", "metadata"}) {
            assertEquals(CachePolicy.valueOf(v.toUpperCase()),
                    ok("--shared-dir", dir.toString(), "--fd", "3", "--cache", v).cache);
        }
    }

    @Test
    void repeatedOptionLastWins() {
        assertEquals(CachePolicy.NEVER,
                ok("--shared-dir", dir.toString(), "--fd", "3", "--cache", "always", "--cache", "never").cache);
    }

    @Test
    void deprecatedSocketAlias() {
        Options o = ok("--shared-dir", dir.toString(), "--socket", dir.resolve("x").toString());
        assertEquals(dir.resolve("x"), o.effectiveSocketPath());
    }

    @Test
    void badValuesAreRejectedWithOneLineReason() {
        rejected("--cache", "--shared-dir", dir.toString(), "--fd", "3", "--cache", "sometimes");
        err.getBuffer().setLength(0);
        rejected("--thread-pool-size", "--shared-dir", dir.toString(), "--fd", "3", "--thread-pool-size", "many");
        err.getBuffer().setLength(0);
        rejected("--thread-pool-size", "--shared-dir", dir.toString(), "--fd", "3", "--thread-pool-size", "-1");
        err.getBuffer().setLength(0);
        rejected("--log-level", "--shared-dir", dir.toString(), "--fd", "3", "--log-level", "loud");
        err.getBuffer().setLength(0);
        rejected("--tag", "--shared-dir", dir.toString(), "--fd", "3", "--tag", "x".repeat(37));
        err.getBuffer().setLength(0);
        rejected("Unknown option", "--shared-dir", dir.toString(), "--fd", "3", "--no-such-option");
    }

    @Test
    void missingOrConflictingOptions() {
        rejected("--shared-dir is required", "--socket-path", "/tmp/s");
        err.getBuffer().setLength(0);
        rejected("one of --socket-path or --fd", "--shared-dir", dir.toString());
        err.getBuffer().setLength(0);
        rejected("--fd cannot be used together", "--shared-dir", dir.toString(), "--fd", "3", "--socket-path", "/tmp/s");
        err.getBuffer().setLength(0);
        rejected("does not exist", "--shared-dir", dir.resolve("missing").toString(), "--fd", "3");
    }

    @Test
    void sharedDirMustBeADirectoryNotASymlink() throws Exception {
        Path link = dir.resolve("link");
        Path real = Files.createDirectory(dir.resolve("real"));
        Files.createSymbolicLink(link, real);
        rejected("is a symbolic link: give the directory itself, --shared-dir=" + real.toRealPath(),
                "--shared-dir", link.toString(), "--fd", "3");
    }

    @Test
    void namespaceSandboxWhenAskedForOrWhenTheLauncherEnteredNamespaces() {
        Options asked = ok("--shared-dir", dir.toString(), "--fd", "3", "--sandbox", "Namespace");
        assertEquals(SandboxMode.NAMESPACE, asked.effectiveSandbox(false, false));
        Options compat = ok("--shared-dir", dir.toString(), "--fd", "3", "--sandbox=none", "-o", "sandbox=namespace");
        assertEquals(SandboxMode.NAMESPACE, compat.effectiveSandbox(true, false));
        Options byDefault = ok("--shared-dir", dir.toString(), "--fd", "3");
        assertEquals(SandboxMode.NAMESPACE, byDefault.effectiveSandbox(true, true));
        assertEquals(SandboxMode.CHROOT, byDefault.effectiveSandbox(true, false));
        Options none = ok("--shared-dir", dir.toString(), "--fd", "3", "--sandbox", "none");
        assertEquals(SandboxMode.NONE, none.effectiveSandbox(true, true));
    }

    @Test
    void helpAndVersionExitZero() {
        CommandLineParser.Result r = parse("--help");
        assertEquals(0, r.exitStatus());
        assertTrue(out.toString().contains("--shared-dir"));
        assertTrue(out.toString().contains("--thread-pool-size"));
        out.getBuffer().setLength(0);
        r = parse("--version");
        assertEquals(0, r.exitStatus());
        assertTrue(out.toString().startsWith("jvirtiofsd "));
    }

    @Test
    void noArgumentsPrintsHelpAsAnError() {
        CommandLineParser.Result r = parse();
        assertEquals(CommandLineParser.USAGE_ERROR, r.exitStatus());
        assertNotNull(err.toString());
        assertTrue(err.toString().contains("--socket-path"));
    }

    @Test
    void theArgvLibvirt90Passes() throws Exception {
        Path share = Files.createDirectory(dir.resolve("share"));
        Options o = ok("--fd=30", "-o", "source=" + share + ",cache=always,sandbox=chroot,xattr,flock,posix_lock",
                "--thread-pool-size=4");
        assertEquals(share, o.sharedDir);
        assertEquals(30, o.fd);
        assertEquals(CachePolicy.ALWAYS, o.cache);
        assertEquals(SandboxMode.CHROOT, o.effectiveSandbox(false));
        assertTrue(o.xattr);
        assertTrue(o.flock);
        assertTrue(o.posixLock);
        assertEquals(4, o.threadPoolSize);
        assertEquals(SandboxMode.CHROOT, ok("--fd=30", "-o", "source=" + share).effectiveSandbox(true));
    }

    @Test
    void compatOptionsWinOverSeparateOnesWhateverTheOrder() {
        Options o = ok("-o", "source=" + dir + ",cache=none,no_xattr,no_readdirplus,writeback,loglevel=err",
                "--fd", "3", "--cache", "always", "--xattr");
        assertEquals(CachePolicy.NEVER, o.cache);
        assertFalse(o.xattr);
        assertTrue(o.noReaddirplus);
        assertTrue(o.writeback);
        assertEquals(LogLevel.ERROR, o.logLevel);
        Options repeated = ok("--shared-dir", dir.toString(), "--fd", "3", "-o", "xattr", "-o", "killpriv_v2,posix_acl");
        assertTrue(repeated.xattr);
        assertTrue(repeated.killprivV2);
        assertTrue(repeated.posixAcl);
    }

    @Test
    void badCompatOptionsAreRefused() {
        rejected("Invalid compat argument '-o bogus'", "--shared-dir", dir.toString(), "--fd", "3", "-o", "bogus");
        err.getBuffer().setLength(0);
        rejected("Invalid compat value '-o cache=never'", "--shared-dir", dir.toString(), "--fd", "3", "-o",
                "cache=never");
        err.getBuffer().setLength(0);
        rejected("Invalid compat value '-o source='", "--fd", "3", "-o", "source=");
        err.getBuffer().setLength(0);
        rejected("Invalid compat argument '-o cache=always=yes'", "--shared-dir", dir.toString(), "--fd", "3", "-o",
                "cache=always=yes");
        err.getBuffer().setLength(0);
        rejected("Invalid compat argument '-o flock=on'", "--shared-dir", dir.toString(), "--fd", "3", "-o",
                "flock=on");
        err.getBuffer().setLength(0);
        rejected("Invalid compat argument '-o timeout=1'", "--shared-dir", dir.toString(), "--fd", "3", "-o",
                "timeout=1");
        err.getBuffer().setLength(0);
        rejected("Invalid compat value '-o sandbox=none'", "--shared-dir", dir.toString(), "--fd", "3", "-o",
                "sandbox=none");
    }

    @Test
    void deprecatedSwitchesAndImpliedXattr() {
        Options o = ok("--shared-dir", dir.toString(), "--fd", "3", "-d", "-f", "--posix-acl");
        assertEquals(LogLevel.DEBUG, o.logLevel);
        assertTrue(o.xattr, "--posix-acl implies --xattr");
        assertTrue(ok("--shared-dir", dir.toString(), "--fd", "3", "--security-label").xattr);
    }

    @Test
    void featureSwitchesParse() {
        Options o = ok("--shared-dir", dir.toString(), "--fd", "3", "--writeback", "--allow-mmap", "--no-readdirplus",
                "--allow-direct-io", "--preserve-noatime", "--killpriv-v2", "--posix-lock", "--flock");
        assertTrue(o.writeback && o.allowMmap && o.noReaddirplus && o.allowDirectIo && o.preserveNoatime
                && o.killprivV2 && o.posixLock && o.flock);
    }

    @Test
    void xattrmapInEveryFormImpliesXattr() {
        String[] base = {"--shared-dir", dir.toString(), "--fd", "3"};
        Options equals = ok(concat(base, "--xattrmap=:map::user.virtiofs.:"));
        assertEquals(":prefix:all::user.virtiofs.: :bad:all:::", equals.xattrmap.toString());
        assertTrue(equals.xattr, "--xattrmap implies --xattr");
        assertEquals(":ok:all:::", ok(concat(base, "--xattrmap", "/ok/all///")).xattrmap.toString());
        assertEquals(":bad:all:security.:security.: :ok:all:::",
                ok(concat(base, "--xattrmap", "/bad/all/security./security./\n    /ok/all///")).xattrmap.toString(),
                "several rules, a newline between them, in one argument");
        assertEquals(":ok:all:::", ok(concat(base, "--xattrmap=-ok-all---")).xattrmap.toString(),
                "with '=' a value may start with '-'");
        assertEquals(":bad:all:::", ok(concat(base, "--xattrmap=:ok:all:::", "--xattrmap=:bad:all:::"))
                .xattrmap.toString(), "the last one wins");
        assertNull(ok(base).xattrmap);
    }

    @Test
    void theLegacyXattrmapFormWinsAndImpliesXattrEvenWithNoXattr() {
        Options o = ok("-o", "source=" + dir + ",xattrmap=:map:security.selinux:trusted.virtiofs.:,no_xattr",
                "--fd", "3", "--xattrmap=:ok:all:::");
        assertEquals(":prefix:all:security.selinux:trusted.virtiofs.: :bad:all:trusted.virtiofs.:security.selinux:"
                + " :ok:all:::", o.xattrmap.toString());
        assertTrue(o.xattr, "as the Rust virtiofsd: xattr = xattrmap || posix_acl || security_label || xattr");
    }

    @Test
    void malformedMapsAreUsageErrorsNamingRuleAndCharacter() {
        String[] base = {"--shared-dir", dir.toString(), "--fd", "3"};
        rejected("Invalid value for option '--xattrmap': ':prefix:client:hi': rule 1 at character 16: incomplete rule",
                concat(base, "--xattrmap=:prefix:client:hi"));
        err.getBuffer().setLength(0);
        rejected("rule 2 at character 13: invalid type 'okay'", concat(base, "--xattrmap=:ok:all::: :okay:all:::"));
        err.getBuffer().setLength(0);
        rejected("rule 1 at character 22: a map rule must be the last rule",
                concat(base, "--xattrmap=:map::user.virtiofs.: :ok:all:::"));
        err.getBuffer().setLength(0);
        rejected("'--xattrmap': '': no rules", concat(base, "--xattrmap="));
        err.getBuffer().setLength(0);
        rejected("Invalid compat value '-o xattrmap=:bad:nowhere:::': rule 1 at character 6: invalid scope 'nowhere'",
                concat(base, "-o", "xattrmap=:bad:nowhere:::"));
        err.getBuffer().setLength(0);
        rejected("Invalid compat value '-o xattrmap=': no rules", concat(base, "-o", "xattrmap="));
        err.getBuffer().setLength(0);
        rejected("Invalid compat argument '-o xattrmap=:ok:all:a=b:'", concat(base, "-o", "xattrmap=:ok:all:a=b:"));
        err.getBuffer().setLength(0);
        rejected("':ok:all:::\\n\\t:bad:al:::': rule 2 at character 18: invalid scope 'al'",
                concat(base, "--xattrmap=:ok:all:::\n\t:bad:al:::"));
        assertEquals(2, err.toString().lines().count(), "one line, then the --help hint: " + err);
        err.getBuffer().setLength(0);
        rejected("'-o xattrmap=:ok:all:::\\n:bad:al:::': rule 2",
                concat(base, "-o", "xattrmap=:ok:all:::\n:bad:al:::"));
        assertEquals(1, err.toString().lines().count(), err.toString());
    }

    @Test
    void attachedValuesMayStartWithADashThatLooksLikeAShortOption() {
        String[] base = {"--shared-dir", dir.toString(), "--fd", "3"};
        assertEquals("-dac_override", ok(concat(base, "--modcaps=-dac_override")).modcaps, "-d is a short option");
        assertEquals("-fowner:+sys_admin", ok(concat(base, "--modcaps=-fowner:+sys_admin")).modcaps);
        assertEquals(":ok:all:::", ok(concat(base, "--xattrmap=-ok-all---")).xattrmap.toString(), "-o is one too");
        rejected("Expected parameter for option '--modcaps'", concat(base, "--modcaps", "-dac_override"));
    }

    private static String[] concat(String[] first, String... more) {
        String[] all = java.util.Arrays.copyOf(first, first.length + more.length);
        System.arraycopy(more, 0, all, first.length, more.length);
        return all;
    }

    @Test
    void inodeFileHandlesTakeTheirValueOnlyAfterAnEqualSign() {
        assertEquals(InodeFileHandles.NEVER, ok("--shared-dir", dir.toString(), "--fd", "3").inodeFileHandlesMode(),
                "never by default, as the Rust virtiofsd 1.13.2");
        assertEquals(InodeFileHandles.PREFER,
                ok("--shared-dir", dir.toString(), "--fd", "3", "--inode-file-handles=prefer").inodeFileHandlesMode());
        assertEquals(InodeFileHandles.MANDATORY,
                ok("--shared-dir", dir.toString(), "--fd", "3", "--inode-file-handles=mandatory").inodeFileHandlesMode());
        Options fallback = ok("--shared-dir", dir.toString(), "--fd", "3", "--inode-file-handles=fallback");
        assertEquals(InodeFileHandles.PREFER, fallback.inodeFileHandlesMode(), "the deprecated alias of prefer");
        assertEquals("fallback", fallback.inodeFileHandles, "kept for the deprecation warning");
        assertEquals(InodeFileHandles.NEVER, ok("--shared-dir", dir.toString(), "--fd", "3",
                "--inode-file-handles=mandatory", "--inode-file-handles=never").inodeFileHandlesMode(), "the last wins");

        rejected("equal sign is needed when assigning values to '--inode-file-handles=<INODE_FILE_HANDLES>'",
                "--shared-dir", dir.toString(), "--fd", "3", "--inode-file-handles", "prefer");
        rejected("equal sign is needed", "--inode-file-handles", "--shared-dir", dir.toString(), "--fd", "3");
        err.getBuffer().setLength(0);
        rejected("equal sign is needed", "--shared-dir", dir.toString(), "--fd", "3", "--inode-file-handles");
    }

    @Test
    void badInodeFileHandlesValuesAreUsageErrors() {
        for (String bad : new String[] {"Prefer", "always", "", "prefer,never"}) {
            rejected("invalid value '" + bad + "' for '--inode-file-handles=<INODE_FILE_HANDLES>'",
                    "--shared-dir", dir.toString(), "--fd", "3", "--inode-file-handles=" + bad);
        }
    }

    @Test
    void submountsAreAnnouncedUnlessTurnedOffAndTheLastSwitchWins() {
        assertTrue(ok("--shared-dir", dir.toString(), "--fd", "3").announceSubmounts);
        assertTrue(ok("--shared-dir", dir.toString(), "--fd", "3", "--announce-submounts").announceSubmounts);
        assertFalse(ok("--shared-dir", dir.toString(), "--fd", "3", "--no-announce-submounts").announceSubmounts);
        assertTrue(ok("--shared-dir", dir.toString(), "--fd", "3", "--no-announce-submounts",
                "--announce-submounts").announceSubmounts);
        assertFalse(ok("--shared-dir", dir.toString(), "--fd", "3", "--announce-submounts",
                "--no-announce-submounts").announceSubmounts);
        assertTrue(ok("--shared-dir", dir.toString(), "--fd", "3", "-o", "announce_submounts").announceSubmounts);
        rejected("no-announce-submounts", "--shared-dir", dir.toString(), "--fd", "3", "--no-announce-submounts=yes");
    }
}
