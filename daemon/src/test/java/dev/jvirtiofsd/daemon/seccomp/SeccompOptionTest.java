package dev.jvirtiofsd.daemon.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvirtiofsd.daemon.cli.CommandLineParser;
import dev.jvirtiofsd.daemon.cli.SeccompAction;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --seccomp} on the command line: the Rust virtiofsd's values and default. */
class SeccompOptionTest {
    @TempDir
    Path tmp;

    private CommandLineParser.Result parse(StringWriter err, String... extra) {
        String[] base = {"--shared-dir", tmp.toString(), "--socket-path", tmp.resolve("s").toString()};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return CommandLineParser.parse(args, new PrintWriter(new StringWriter()), new PrintWriter(err));
    }

    @Test
    void killIsTheDefault() {
        assertEquals(SeccompAction.KILL, parse(new StringWriter()).options().seccomp);
    }

    @Test
    void everyValueIsAcceptedInAnyCaseAndTheLastOneWins() {
        assertEquals(SeccompAction.NONE, parse(new StringWriter(), "--seccomp=none").options().seccomp);
        assertEquals(SeccompAction.LOG, parse(new StringWriter(), "--seccomp", "LOG").options().seccomp);
        assertEquals(SeccompAction.TRAP, parse(new StringWriter(), "--seccomp=Trap").options().seccomp);
        assertEquals(SeccompAction.KILL,
                parse(new StringWriter(), "--seccomp=log", "--seccomp=kill").options().seccomp);
    }

    @Test
    void anUnknownValueIsAUsageError() {
        StringWriter err = new StringWriter();
        CommandLineParser.Result r = parse(err, "--seccomp=errno");
        assertEquals(CommandLineParser.USAGE_ERROR, r.exitStatus());
        assertTrue(err.toString().contains("--seccomp"), err.toString());
    }
}
