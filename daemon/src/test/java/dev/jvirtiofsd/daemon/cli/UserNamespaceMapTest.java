package dev.jvirtiofsd.daemon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --uid-map} / {@code --gid-map}: the Rust virtiofsd's :inside:outside:count: form. */
class UserNamespaceMapTest {
    @TempDir
    Path shared;

    @Test
    void anyNonAlphanumericDelimiterTheSameAtBothEnds() {
        assertEquals(new UserNamespaceMap(0, 1000, 1), UserNamespaceMap.parse("--uid-map", ":0:1000:1:"));
        assertEquals(new UserNamespaceMap(1, 100000, 65536), UserNamespaceMap.parse("--uid-map", "/1/100000/65536/"));
        assertEquals(new UserNamespaceMap(5, 6, 7), UserNamespaceMap.parse("--gid-map", " 5 6 7 "));
        assertEquals(new UserNamespaceMap(5, 6, 7), UserNamespaceMap.parse("--gid-map", "·5·6·7·"));
        assertEquals(new UserNamespaceMap(4294967295L, 0, 1), UserNamespaceMap.parse("--uid-map", ":4294967295:0:1:"));
        assertEquals("0 1000 1", UserNamespaceMap.parse("--uid-map", ":0:1000:1:").procLine());
    }

    @Test
    void malformedValuesAreRefusedWithTheValueAndOption() {
        for (String bad : new String[] {"", ":", "::", "0:1000:1", ":0:1000:1", "0:1000:1:", ":0:1000:", ":0:1000:1:2:",
                "x0x1000x1x", "5051", ":a:1:1:", ":-1:1:1:", ":0:4294967296:1:", ":0::1:", ":0:1000:1;", ";0;1;1:"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> UserNamespaceMap.parse("--uid-map", bad), bad);
            assertTrue(e.getMessage().contains("'--uid-map'") && e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
    }

    private CommandLineParser.Result parse(String... args) {
        return CommandLineParser.parse(args, new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
    }

    @Test
    void theOptionsAreRepeatableInBothSpellings() {
        CommandLineParser.Result r = parse("--shared-dir=" + shared, "--socket-path=/tmp/x.sock", "--uid-map=:0:1000:1:",
                "--uid-map", ":1:100000:65536:", "--gid-map=:0:1000:1:");
        assertEquals(null, r.exitStatus());
        assertEquals(2, r.options().uidMaps.size());
        assertEquals(new UserNamespaceMap(1, 100000, 65536), r.options().uidMaps.get(1));
        assertEquals(1, r.options().gidMaps.size());
    }

    @Test
    void aBadMapIsACommandLineError() {
        StringWriter err = new StringWriter();
        CommandLineParser.Result r = CommandLineParser.parse(new String[] {"--shared-dir=" + shared,
            "--socket-path=/tmp/x.sock", "--gid-map=:0:1000:"}, new PrintWriter(new StringWriter()), new PrintWriter(err));
        assertEquals(CommandLineParser.USAGE_ERROR, r.exitStatus());
        assertTrue(err.toString().contains("--gid-map"), err.toString());
    }
}
