package dev.jvirtiofsd.daemon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** The man page and the completion script made from the command-line model, as the build makes them. */
class DocumentationTest {
    @TempDir
    static Path out;

    static String manPage;
    static Path completion;

    @BeforeAll
    static void generate() throws Exception {
        Documentation.writeAll(out, "1.2.3");
        manPage = Files.readString(out.resolve(Documentation.MAN_PAGE));
        completion = out.resolve(Documentation.COMPLETION);
    }

    @Test
    void theManPageNamesEveryOptionOfTheDaemonAndOfCheck() {
        CommandLine model = Documentation.model();
        List<OptionSpec> all = new java.util.ArrayList<>(model.getCommandSpec().options());
        all.addAll(model.getSubcommands().get("check").getCommandSpec().options());
        for (OptionSpec o : all) {
            for (String name : o.names()) {
                assertTrue(manPage.contains(".B " + Documentation.escape(name)) || manPage.contains(", "
                        + Documentation.escape(name)), name);
            }
        }
        for (String name : List.of("--syslog", "--config", "--guest-uid", "--domain-xml", "--translate-uid")) {
            assertTrue(manPage.contains(Documentation.escape(name)), name);
        }
        assertTrue(manPage.startsWith(".\\\" Made from the command-line model"));
        assertTrue(manPage.contains(".TH JVIRTIOFSD 1 \"\" \"jvirtiofsd 1.2.3\""));
        for (String section : List.of("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "COMMANDS", "CONFIG FILES",
                "ENVIRONMENT", "FILES", "EXIT STATUS", "SEE ALSO")) {
            assertTrue(manPage.contains("\n.SH " + section + "\n"), section);
        }
    }

    @Test
    void theManPageIsValidRoff() throws Exception {
        for (String line : manPage.split("\n")) {
            assertTrue(!line.startsWith("'") && (!line.startsWith(".") || line.matches("\\.(\\\\\"|TH|SH|SS|TP|PP|B|I|br)"
                    + "( .*)?")), "a text line read as a request: " + line);
        }
        if (Files.isExecutable(Path.of("/usr/bin/groff"))) {
            Process p = new ProcessBuilder("groff", "-man", "-Tutf8", "-ww", "-z", out.resolve(Documentation.MAN_PAGE)
                    .toString()).redirectErrorStream(true).start();
            String warnings = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals("", warnings);
        }
    }

    @Test
    void theCompletionScriptIsValidBash() throws Exception {
        Process p = new ProcessBuilder("bash", "-n", completion.toString()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), output);
    }

    /** Runs the completion function as bash does for {@code words}, the last one being completed. */
    private static List<String> complete(String... words) throws Exception {
        StringBuilder array = new StringBuilder();
        for (String w : words) {
            array.append(" '").append(w).append("'");
        }
        String line = String.join(" ", words);
        String script = "source '" + completion + "' 2>/dev/null; COMP_WORDS=(" + array + "); COMP_CWORD="
                + (words.length - 1) + "; COMP_LINE='" + line + "'; COMP_POINT=${#COMP_LINE}; "
                + "_complete_jvirtiofsd 2>/dev/null; printf '%s\\n' \"${COMPREPLY[@]}\"";
        Process p = new ProcessBuilder("bash", "-c", script).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return output.lines().filter(l -> !l.isEmpty()).toList();
    }

    @Test
    void theCompletionOffersOptionValuesOptionsAndTheCheckCommand() throws Exception {
        assertEquals(List.of("never", "metadata", "auto", "always"), complete("jvirtiofsd", "--cache", ""));
        assertEquals(List.of("auto", "always"), complete("jvirtiofsd", "--cache", "a"));
        assertEquals(List.of("namespace", "chroot", "none"), complete("jvirtiofsd", "--sandbox", ""));
        assertTrue(complete("jvirtiofsd", "--sys").contains("--syslog"));
        assertTrue(complete("jvirtiofsd", "ch").contains("check"));
        assertEquals(List.of("--guest-uid", "--guest-gid"), complete("jvirtiofsd", "check", "--guest"));
    }
}
