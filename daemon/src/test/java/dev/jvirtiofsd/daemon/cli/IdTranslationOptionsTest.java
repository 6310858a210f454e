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
    void translationCannotBeCombinedWithPosixAcl() {
        rejected("the argument '--translate-uid <TRANSLATE_UID>' cannot be used with '--posix-acl'",
                "--posix-acl", "--translate-uid", "map:1000:200:1");
        rejected("the argument '--translate-gid <TRANSLATE_GID>' cannot be used with '--posix-acl'",
                "--translate-gid", "map:1000:200:1", "--posix-acl");
        // -o posix_acl is the same setting.
        rejected("cannot be used with '--posix-acl'", "-o", "posix_acl", "--translate-uid", "map:1000:200:1");
        // ... and -o no_posix_acl clears it again.
        assertFalse(ok("--posix-acl", "-o", "no_posix_acl", "--translate-uid", "map:1000:200:1").posixAcl);
    }

    @Test
    void theOtherXattrOptionsCombineWithTranslation() {
        Options o = ok("--xattr", "--security-label", "--translate-uid", "map:1000:200:1");
        assertTrue(o.xattr);
        assertEquals(1, o.translateUid.size());
    }
}
