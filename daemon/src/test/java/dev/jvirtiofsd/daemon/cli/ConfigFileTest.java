package dev.jvirtiofsd.daemon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvirtiofsd.daemon.CachePolicy;
import dev.jvirtiofsd.daemon.idmap.IdMapRule;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Config files: their syntax, the lookup by shared directory, and their place before the command line. */
class ConfigFileTest {
    @TempDir
    Path tmp;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private CommandLineParser.Result parse(Path configDir, String... args) {
        return CommandLineParser.parse(args, new PrintWriter(out), new PrintWriter(err), configDir);
    }

    private Options ok(Path configDir, String... args) {
        CommandLineParser.Result r = parse(configDir, args);
        assertFalse(r.shouldExit(), () -> "unexpected exit: " + err);
        return r.options();
    }

    private String rejected(Path configDir, String... args) {
        CommandLineParser.Result r = parse(configDir, args);
        assertTrue(r.shouldExit(), "refused");
        assertEquals(CommandLineParser.USAGE_ERROR, r.exitStatus());
        return err.toString().lines().findFirst().orElse("");
    }

    private Path share(String name) throws Exception {
        return Files.createDirectories(tmp.resolve(name));
    }

    private Path configDir() throws Exception {
        return Files.createDirectories(tmp.resolve("etc"));
    }

    @Test
    void oneArgumentPerLineCommentsAndBlankLinesSkippedABlankInsideAValueKept() throws Exception {
        Path file = Files.writeString(tmp.resolve("x.conf"), """
                # the share of the Proxmox how-to
                  --translate-uid=map:1000:200:1\t

                --cache
                always
                --xattrmap=#map#user.#trusted.#
                --socket-group=kvm users
                """);
        assertEquals(List.of("--translate-uid=map:1000:200:1", "--cache", "always", "--xattrmap=#map#user.#trusted.#",
                "--socket-group=kvm users"), ConfigFile.read(file));
    }

    @Test
    void theCommandLineWinsForOneValuedOptionsAndAddsToRepeatableOnes() throws Exception {
        Path shared = share("shared");
        Path file = Files.writeString(tmp.resolve("x.conf"), String.join("\n", "--shared-dir=" + shared,
                "--cache=always", "--translate-uid=map:1000:200:1", "--xattr", ""));
        Options o = ok(tmp.resolve("none"), "--config=" + file, "--fd=3", "--cache=never",
                "--translate-uid=squash-guest:0:200:1");
        assertEquals(shared, o.sharedDir);
        assertEquals(CachePolicy.NEVER, o.cache);
        assertTrue(o.xattr);
        assertEquals(List.of(IdMapRule.parse("map:1000:200:1"), IdMapRule.parse("squash-guest:0:200:1")),
                o.translateUid);
        assertEquals(file, o.configFile);
        assertEquals(4, o.configArguments.size());
    }

    @Test
    void withoutConfigTheFileNamingTheSameDirectoryIsUsedBySharedDirOrSource() throws Exception {
        Path shared = share("srv/share");
        Path other = share("srv/other");
        Path etc = configDir();
        Files.writeString(etc.resolve("share.conf"), "--shared-dir=" + tmp.resolve("srv/../srv/share") + "\n--xattr\n");
        Files.writeString(etc.resolve("other.conf"), "--shared-dir=" + other + "\n--cache=never\n");
        Files.writeString(etc.resolve("share.conf.disabled"), "--shared-dir=" + shared + "\n--readonly\n");
        Files.createSymbolicLink(tmp.resolve("link"), tmp.resolve("srv"));

        Options bySharedDir = ok(etc, "--shared-dir=" + tmp.resolve("link/share"), "--fd=3");
        assertEquals(etc.resolve("share.conf"), bySharedDir.configFile);
        assertTrue(bySharedDir.xattr);
        assertFalse(bySharedDir.readonly, "only *.conf files count");
        assertEquals(CachePolicy.AUTO, bySharedDir.cache);

        Options bySource = ok(etc, "-o", "source=" + other + ",xattr", "--fd=3");
        assertEquals(etc.resolve("other.conf"), bySource.configFile);
        assertEquals(CachePolicy.NEVER, bySource.cache);

        Options none = ok(etc, "--shared-dir=" + share("srv/third"), "--fd=3");
        assertNull(none.configFile);
    }

    @Test
    void twoFilesForOneDirectoryAreRefusedNamingBoth() throws Exception {
        Path shared = share("shared");
        Path etc = configDir();
        Files.writeString(etc.resolve("a.conf"), "--shared-dir=" + shared + "\n");
        Files.writeString(etc.resolve("b.conf"), "--shared-dir=" + shared + "/\n");
        assertEquals("error: more than one config file names the shared directory " + shared + ": "
                + etc.resolve("a.conf") + " and " + etc.resolve("b.conf") + "; keep one, or name it with --config",
                rejected(etc, "--shared-dir=" + shared, "--fd=3"));
        // Naming one settles it.
        assertEquals(etc.resolve("b.conf"), ok(etc, "--shared-dir=" + shared, "--fd=3",
                "--config=" + etc.resolve("b.conf")).configFile);
    }

    @Test
    void badFilesAreRefusedInOneLine() throws Exception {
        Path shared = share("shared");
        assertEquals("error: config file " + tmp.resolve("missing.conf") + " does not exist",
                rejected(tmp, "--shared-dir=" + shared, "--fd=3", "--config", tmp.resolve("missing.conf").toString()));
        err.getBuffer().setLength(0);
        Path nested = Files.writeString(tmp.resolve("nested.conf"), "--xattr\n--config=/etc/other.conf\n");
        assertEquals("error: config file " + nested + " line 2: --config cannot be used inside a config file",
                rejected(tmp, "--shared-dir=" + shared, "--fd=3", "--config=" + nested));
        err.getBuffer().setLength(0);
        Path unknown = Files.writeString(tmp.resolve("unknown.conf"), "--no-such-option\n");
        String line = rejected(tmp, "--shared-dir=" + shared, "--fd=3", "--config=" + unknown);
        assertTrue(line.startsWith("error: Unknown option: '--no-such-option'"), line);
        assertTrue(line.endsWith("(arguments of config file " + unknown + " included)"), line);
        err.getBuffer().setLength(0);
        Path badValue = Files.writeString(tmp.resolve("bad.conf"), "--cache=sometimes\n");
        line = rejected(tmp, "--shared-dir=" + shared, "--fd=3", "--config=" + badValue);
        assertTrue(line.contains("--cache") && line.contains("sometimes"), line);
    }

    @Test
    void aConfigFileCanNameTheSharedDirectoryItself() throws Exception {
        Path shared = share("shared");
        Path file = Files.writeString(tmp.resolve("x.conf"), "--shared-dir=" + shared + "\n--fd=3\n");
        Options o = ok(tmp, "--config", file.toString());
        assertEquals(shared, o.sharedDir);
        assertEquals(3, o.fd);
    }
}
