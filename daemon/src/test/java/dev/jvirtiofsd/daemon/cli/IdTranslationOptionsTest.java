package dev.jvirtiofsd.daemon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvirtiofsd.daemon.idmap.IdMapRule;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The argv forms of --translate-uid and --translate-gid, and what the parser refuses. */
class IdTranslationOptionsTest {
    @TempDir
    Path dir;

    private final StringWriter err = new StringWriter();

    private CommandLineParser.Result parse(String... args) {
        String[] all = new String[args.length + 4];
        all[0] = "--shared-dir";
        all[1] = dir.toString();
        all[2] = "--fd";
        all[3] = "3";
        System.arraycopy(args, 0, all, 4, args.length);
        return CommandLineParser.parse(all, new PrintWriter(new StringWriter()), new PrintWriter(err));
    }

    private Options ok(String... args) {
        CommandLineParser.Result r = parse(args);
        assertFalse(r.shouldExit(), () -> "unexpected exit: " + err);
        return r.options();
    }

    private void rejected(String reasonPart, String... args) {
        CommandLineParser.Result r = parse(args);
        assertTrue(r.shouldExit(), "accepted: " + String.join(" ", args));
        assertEquals(CommandLineParser.USAGE_ERROR, r.exitStatus());
        String text = err.toString();
        assertTrue(text.startsWith("error: "), text);
        assertTrue(text.contains(reasonPart), () -> "expected '" + reasonPart + "' in: " + text);
    }

    /** Refused with exactly {@code message} on the first line(s), then the pointer to --help. */
    private void rejectedExactly(String message, String... args) {
        rejected(message, args);
        assertEquals(message + System.lineSeparator() + "For more information, try '--help'." + System.lineSeparator(),
                err.toString());
        err.getBuffer().setLength(0);
    }

    private static List<String> texts(List<IdMapRule> rules) {
        return rules.stream().map(IdMapRule::text).toList();
    }

    @Test
    void withoutTheOptionsThereAreNoRules() {
        Options o = ok();
        assertEquals(List.of(), o.translateUid);
        assertEquals(List.of(), o.translateGid);
    }

    @Test
    void bothOptionsInEveryArgvFormAndRepeatedKeepEveryRuleInOrder() {
        Options o = ok("--translate-uid", "map:1000:200:1", "--translate-gid=map:1000:200:1",
                "--translate-uid=forbid-guest:0:1000", "--translate-uid", "squash-host:0:65534:200",
                "--translate-gid", "SQUASH-GUEST/0/200/1000");
        assertEquals(List.of("map:1000:200:1", "forbid-guest:0:1000", "squash-host:0:65534:200"),
                texts(o.translateUid));
        assertEquals(List.of("map:1000:200:1", "SQUASH-GUEST/0/200/1000"), texts(o.translateGid));
        assertEquals(IdMapRule.Type.SQUASH_GUEST, o.translateGid.get(1).type());
        assertEquals(1000, o.translateGid.get(1).count());
    }

    @Test
    void aMalformedRuleIsAUsageErrorNamingTheCharacter() {
        rejected("Invalid value for option '--translate-uid' (TRANSLATE_UID): 'map:1000:x:1' at character 10: "
                + "'x' is not a number",
                "--translate-uid", "map:1000:x:1");
        rejected("'--translate-gid' (TRANSLATE_GID): 'mapp:1:2:3' at character 1: unknown type 'mapp'",
                "--translate-uid", "map:1:2:3", "--translate-gid=mapp:1:2:3");
        rejected("'map:1:2' at character 8: map takes 3 numbers", "--translate-gid", "map:1:2");
        rejected("--translate-uid", "--translate-uid");
    }

    @Test
    void translationCannotBeCombinedWithPosixAclInTheRustDaemonsWords() {
        // clap names the option given first, then what it conflicts with.
        rejectedExactly("error: the argument '--posix-acl' cannot be used with '--translate-uid <TRANSLATE_UID>'",
                "--posix-acl", "--translate-uid", "map:1000:200:1");
        rejectedExactly("error: the argument '--translate-gid <TRANSLATE_GID>' cannot be used with '--posix-acl'",
                "--translate-gid", "map:1000:200:1", "--posix-acl");
        rejectedExactly("error: the argument '--translate-uid <TRANSLATE_UID>' cannot be used with '--posix-acl'",
                "--translate-uid", "map:1:2:3", "--posix-acl", "--translate-gid", "map:1:2:3");
        rejectedExactly("error: the argument '--posix-acl' cannot be used with:\n  --translate-uid <TRANSLATE_UID>\n"
                + "  --translate-gid <TRANSLATE_GID>", "--posix-acl", "--translate-uid", "map:1:2:3",
                "--translate-uid", "map:5:6:1", "--translate-gid", "map:1:2:3");
    }

    @Test
    void translationCannotBeCombinedWithCompatPosixAclEither() {
        // The Rust virtiofsd checks -o after clap, and lets this through; it would break ACLs.
        rejected("-o posix_acl cannot be used with --translate-uid or --translate-gid",
                "-o", "posix_acl", "--translate-uid", "map:1000:200:1");
        assertFalse(ok("-o", "posix_acl,no_posix_acl", "--translate-uid", "map:1000:200:1").posixAcl);
        // As in the Rust virtiofsd, the conflict is between the options given, whatever -o does afterwards.
        rejected("the argument '--posix-acl' cannot be used with '--translate-uid <TRANSLATE_UID>'",
                "--posix-acl", "-o", "no_posix_acl", "--translate-uid", "map:1000:200:1");
    }

    @Test
    void theOtherXattrOptionsCombineWithTranslation() {
        Options o = ok("--xattr", "--security-label", "--translate-uid", "map:1000:200:1");
        assertTrue(o.xattr);
        assertEquals(1, o.translateUid.size());
    }
}
