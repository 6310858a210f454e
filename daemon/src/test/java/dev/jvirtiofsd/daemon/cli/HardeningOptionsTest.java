package dev.jvirtiofsd.daemon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --readonly, --modcaps (also as -o modcaps=), --socket-group and --rlimit-nofile on the command line. */
class HardeningOptionsTest {
    @TempDir
    Path tmp;
    final StringWriter err = new StringWriter();

    private CommandLineParser.Result parse(String... extra) {
        String[] base = {"--shared-dir", tmp.toString(), "--socket-path", tmp.resolve("s").toString()};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return CommandLineParser.parse(args, new PrintWriter(new StringWriter()), new PrintWriter(err));
    }

    @Test
    void defaultsAreOff() {
        Options o = parse().options();
        assertFalse(o.readonly);
        assertNull(o.modcaps);
        assertNull(o.socketGroup);
        assertNull(o.rlimitNofile, "none given: the default limit is worked out at start-up");
    }

    @Test
    void valuesAreTaken() {
        Options o = parse("--readonly", "--modcaps=-mknod:+sys_admin", "--socket-group", "disk",
                "--rlimit-nofile=4096").options();
        assertTrue(o.readonly);
        assertEquals("-mknod:+sys_admin", o.modcaps);
        assertEquals("disk", o.socketGroup);
        assertEquals(4096L, o.rlimitNofile);
    }

    @Test
    void legacyModcapsWinsOverTheSeparateOption() {
        Options o = parse("-o", "modcaps=+sys_admin", "--modcaps=-mknod").options();
        assertEquals("+sys_admin", o.modcaps);
    }

    @Test
    void socketGroupConflictsWithFd() {
        CommandLineParser.Result r = CommandLineParser.parse(new String[] {"--shared-dir", tmp.toString(), "--fd", "3",
            "--socket-group", "disk"}, new PrintWriter(new StringWriter()), new PrintWriter(err));
        assertEquals(CommandLineParser.USAGE_ERROR, r.exitStatus());
        assertTrue(err.toString().contains("--socket-group"), err.toString());
    }

    @Test
    void negativeOrNonNumericRlimitIsAUsageError() {
        assertEquals(CommandLineParser.USAGE_ERROR, parse("--rlimit-nofile=-1").exitStatus());
        assertEquals(CommandLineParser.USAGE_ERROR, parse("--rlimit-nofile=many").exitStatus());
        assertEquals(0L, parse("--rlimit-nofile=0").options().rlimitNofile);
    }
}
