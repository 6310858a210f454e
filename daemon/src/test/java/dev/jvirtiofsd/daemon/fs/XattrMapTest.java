package dev.jvirtiofsd.daemon.fs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.jvirtiofsd.daemon.fs.XattrMap.ErrorKind;
import dev.jvirtiofsd.daemon.fs.XattrMap.Rule;
import dev.jvirtiofsd.daemon.fs.XattrMap.Scope;
import dev.jvirtiofsd.daemon.fs.XattrMap.SyntaxException;
import dev.jvirtiofsd.daemon.fs.XattrMap.Type;
import dev.jvirtiofsd.daemon.sys.Errno;
import dev.jvirtiofsd.daemon.sys.Fcntl;

/**
 * The --xattrmap language: the parser (every example of the Rust virtiofsd's
 * doc/xattr-mapping.md and README, each error with its rule and character), and what a map does
 * to names from the guest and to host listings ({@link XattrNames} over the map).
 */
class XattrMapTest {

    // ---- parsing ------------------------------------------------------------------------------

    @Test
    void aSingleRule() {
        assertEquals(List.of(rule(Type.PREFIX, Scope.CLIENT, "trusted.", "user.virtiofs.")),
                map(":prefix:client:trusted.:user.virtiofs.:").rules());
    }

    @Test
    void rulesFollowEachOtherWithoutSpace() {
        assertEquals(List.of(rule(Type.PREFIX, Scope.ALL, "", "user.virtiofs."), rule(Type.BAD, Scope.ALL, "", "")),
                map(":prefix:all::user.virtiofs.::bad:all:::").rules());
    }

    @Test
    void whitespaceAndNewlinesMayStandBetweenRules() {
        String text = "\n        /prefix/all/trusted./user.virtiofs./\n        /bad/server//trusted./\n"
                + "        /bad/client/user.virtiofs.//\n        /ok/all///\n        ";
        assertEquals(List.of(
                rule(Type.PREFIX, Scope.ALL, "trusted.", "user.virtiofs."),
                rule(Type.BAD, Scope.SERVER, "", "trusted."),
                rule(Type.BAD, Scope.CLIENT, "user.virtiofs.", ""),
                rule(Type.OK, Scope.ALL, "", "")), map(text).rules());
        assertEquals(4, map("\t:ok:client:::\r\n\f:ok:server:::  :bad:all:::\t/ok/all///").rules().size());
    }

    @Test
    void eachRuleChoosesItsSeparator() {
        Rule expected = rule(Type.PREFIX, Scope.ALL, "trusted.", "user.virtiofs.");
        assertEquals(List.of(expected, expected),
                map(":prefix:all:trusted.:user.virtiofs.: /prefix/all/trusted./user.virtiofs./").rules());
        // Any character separates: a letter, a dot-free symbol, one beyond the BMP.
        assertEquals(List.of(rule(Type.OK, Scope.ALL, "", "")), map("xokxallxxx").rules());
        assertEquals(List.of(rule(Type.PREFIX, Scope.CLIENT, "a:b", "c.")), map("§prefix§client§a:b§c.§").rules());
        assertEquals(List.of(rule(Type.BAD, Scope.SERVER, "", "security.")),
                map("\uD83D\uDE00bad\uD83D\uDE00server\uD83D\uDE00\uD83D\uDE00security.\uD83D\uDE00").rules());
    }

    @Test
    void theMapRuleExpandsAsDocumented() {
        assertEquals(List.of(rule(Type.PREFIX, Scope.ALL, "", "user.virtiofs."), rule(Type.BAD, Scope.ALL, "", "")),
                map(":map::user.virtiofs.:").rules(), "empty key");
        assertEquals(List.of(
                rule(Type.PREFIX, Scope.ALL, "trusted.", "user.virtiofs."),
                rule(Type.BAD, Scope.ALL, "user.virtiofs.", "trusted."),
                rule(Type.OK, Scope.ALL, "", "")), map(":map:trusted.:user.virtiofs.:").rules(), "with a key");
        assertEquals(5, map(":ok:client:user.:: :bad:server::x.: :map:a.:b.:").rules().size(),
                "a map rule may follow others");
    }

    @Test
    void documentationExampleOneIsTheMapRuleWithAnEmptyKey() {
        XattrMap longForm = map(":prefix:all::user.virtiofs.::bad:all:::");
        XattrMap shortForm = map(":map::user.virtiofs.:");
        assertEquals(longForm.rules(), shortForm.rules());
        for (XattrMap m : List.of(longForm, shortForm)) {
            assertEquals("user.virtiofs.trusted.x", guest(m, "trusted.x"));
            assertEquals("user.virtiofs.user.foo", guest(m, "user.foo"));
            assertEquals("user.virtiofs.user.virtiofs.x", guest(m, "user.virtiofs.x"),
                    "even the target prefix is prefixed again: the guest never reaches the host's names");
            assertEquals("user.foo trusted.x", listed(m, "user.virtiofs.user.foo", "user.plain",
                    "security.selinux", "user.virtiofs.trusted.x"), "non-prefixed host names are hidden");
        }
    }

    @Test
    void documentationExampleTwoIsTheMapRuleWithAKey() {
        XattrMap longForm = map("/prefix/all/trusted./user.virtiofs./\n            /bad/server//trusted./\n"
                + "            /bad/client/user.virtiofs.//\n            /ok/all///");
        XattrMap shortForm = map("/map/trusted./user.virtiofs./");
        for (XattrMap m : List.of(longForm, shortForm)) {
            assertEquals("user.virtiofs.trusted.a", guest(m, "trusted.a"));
            assertEquals("EPERM", guest(m, "user.virtiofs.trusted.a"), "no direct access to the target");
            assertEquals("user.a", guest(m, "user.a"));
            assertEquals("security.selinux", guest(m, "security.selinux"));
            assertEquals("trusted.a user.c security.s", listed(m, "user.virtiofs.trusted.a", "trusted.b",
                    "user.c", "security.s"), "the host's own trusted.* are hidden");
        }
    }

    @Test
    void documentationExampleThreeHidesSecurityAttributes() {
        XattrMap m = map("/bad/all/security./security./\n            /ok/all///");
        assertEquals("EPERM", guest(m, "security.selinux"));
        assertEquals(-Errno.ENODATA, getxattrRefusal(m, "security.selinux"), "GETXATTR of a bad name: no data");
        assertEquals("user.x", guest(m, "user.x"));
        assertEquals("user.x trusted.y", listed(m, "security.selinux", "user.x", "security.ima", "trusted.y"));
    }

    @Test
    void readmeSelinuxExampleKeepsTheGuestsLabelsApart() {
        XattrMap m = map(":map:security.selinux:trusted.virtiofs.:");
        assertEquals("trusted.virtiofs.security.selinux", guest(m, "security.selinux"));
        assertEquals("EPERM", guest(m, "trusted.virtiofs.security.selinux"));
        assertEquals("user.x", guest(m, "user.x"));
        assertEquals("security.capability", guest(m, "security.capability"));
        assertEquals("security.selinux trusted.other", listed(m, "security.selinux",
                "trusted.virtiofs.security.selinux", "trusted.other"), "the host's own label is hidden");
        assertNull(new XattrNames(m).renamedCapability(), "security.capability keeps its name");
    }

    @Test
    void documentationTableRulesEachDoWhatTheTableSays() {
        XattrMap clientPrefix = map(":prefix:client:trusted.:user.virtiofs.:");
        assertEquals("user.virtiofs.trusted.x", guest(clientPrefix, "trusted.x"));
        assertEquals("EOPNOTSUPP", guest(clientPrefix, "user.x"), "no rule for it");
        assertEquals("", listed(clientPrefix, "user.virtiofs.trusted.x"), "a client rule never matches a listing");

        XattrMap serverStrip = map(":prefix:server::user.virtiofs.:");
        assertEquals("a trusted.b", listed(serverStrip, "user.virtiofs.a", "user.plain", "user.virtiofs.trusted.b"));
        assertEquals("EOPNOTSUPP", guest(serverStrip, "user.a"));

        XattrMap both = map(":prefix:all:trusted.:user.virtiofs.:");
        assertEquals("user.virtiofs.trusted.x", guest(both, "trusted.x"));
        assertEquals("trusted.x", listed(both, "user.virtiofs.trusted.x"));

        XattrMap okClient = map(":ok:client:user.::");
        assertEquals("user.a", guest(okClient, "user.a"));
        assertEquals("EOPNOTSUPP", guest(okClient, "trusted.a"));

        XattrMap okServer = map(":ok:server::security.:");
        assertEquals("security.selinux", listed(okServer, "security.selinux", "user.a"));

        XattrMap okAll = map(":ok:all:::");
        assertEquals("trusted.anything", guest(okAll, "trusted.anything"));
        assertEquals("user.a security.b", listed(okAll, "user.a", "security.b"));

        XattrMap badServer = map(":bad:server::security.:");
        assertEquals("", listed(badServer, "security.selinux"));
    }

    @Test
    void theSecurityNotesMapStopsTheGuestFromWritingTheTarget() {
        XattrMap m = map(":map:trusted.:user.virtiofs.:");
        assertEquals("EPERM", guest(m, "user.virtiofs.trusted.x"));
        assertEquals("EPERM", guest(m, "user.virtiofs.anything"));
    }

    // ---- parse errors, each with its rule and character ---------------------------------------

    @Test
    void anIncompleteRuleNamesTheFieldWithoutItsClosingSeparator() {
        SyntaxException e = error(":prefix:client:hi");
        assertError(e, ErrorKind.INCOMPLETE_RULE, 1, 16);
        assertEquals("rule 1 at character 16: incomplete rule: the field has no closing ':' (the rule starts at"
                + " character 1)", e.getMessage());
        assertError(error(":ok:all::: :bad:all:"), ErrorKind.INCOMPLETE_RULE, 2, 21);
        assertError(error(":prefix:all:trusted.:user.vm."), ErrorKind.INCOMPLETE_RULE, 1, 22);
        assertError(error(":"), ErrorKind.INCOMPLETE_RULE, 1, 2);
        assertError(error(":ok"), ErrorKind.INCOMPLETE_RULE, 1, 2);
        assertError(error(":map:a:"), ErrorKind.INCOMPLETE_RULE, 1, 8);
    }

    @Test
    void aSecondMapRuleOrOneBeforeOthersIsAViolation() {
        String twice = ":map:trusted.:virtiofs.user.::map:trusted.:virtiofs.user.:";
        assertError(error(twice), ErrorKind.MAP_RULE_VIOLATION, 1, twice.indexOf("::map") + 2);
        assertError(error(":map::user.virtiofs.: :ok:all:::"), ErrorKind.MAP_RULE_VIOLATION, 1, 22);
        assertError(error(":ok:client:x.:: :map:a:b: :ok:all:::"), ErrorKind.MAP_RULE_VIOLATION, 2, 26);
        assertEquals(3, map(":map:a.:b.:   \n").rules().size(), "trailing whitespace is trimmed");
    }

    @Test
    void anUnknownTypeOrScopeIsNamed() {
        SyntaxException type = error(":TOMATOPIRATE:trusted.:virtiofs.user.:");
        assertError(type, ErrorKind.INVALID_TYPE, 1, 2);
        assertTrue(type.getMessage().contains("invalid type 'TOMATOPIRATE'"), type.getMessage());
        assertError(error(":OK:all:::"), ErrorKind.INVALID_TYPE, 1, 2);
        assertError(error("::all:::"), ErrorKind.INVALID_TYPE, 1, 2);
        SyntaxException scope = error("/prefix/helloworld///");
        assertError(scope, ErrorKind.INVALID_SCOPE, 1, 9);
        assertTrue(scope.getMessage().contains("invalid scope 'helloworld' (expected all, client or server)"),
                scope.getMessage());
        assertError(error(":ok:all:::\n  :bad:Server:::"), ErrorKind.INVALID_SCOPE, 2, 19);
        assertError(error(":map:all:::"), ErrorKind.MAP_RULE_VIOLATION, 1, 11);
    }

    @Test
    void noRulesAtAll() {
        for (String text : new String[] {"", " ", "\n\t  \r\n", "\u00a0\u3000"}) {
            SyntaxException e = error(text);
            assertError(e, ErrorKind.NO_RULES_PROVIDED, 0, 0);
            assertEquals("no rules", e.getMessage());
        }
    }

    @Test
    void whitespaceFollowsRust() {
        // The ends are trimmed of any Unicode white space, between rules only ASCII white space
        // (not even a vertical tab) is skipped: anything else starts a rule as its separator.
        assertEquals(1, map("\u00a0\u2003 :ok:all:::\u3000\u000b").rules().size());
        assertError(error(":ok:client::: \u00a0:ok:server:::"), ErrorKind.INCOMPLETE_RULE, 2, 16);
        assertError(error(":ok:client::: \u000b:ok:server:::"), ErrorKind.INCOMPLETE_RULE, 2, 16);
        assertEquals(List.of(rule(Type.OK, Scope.CLIENT, " user. ", "")), map(":ok:client: user. ::").rules(),
                "whitespace inside a field is part of it");
    }

    @Test
    void positionsCountCharactersNotUtf16Units() {
        // The emoji before the bad rule is two chars but one character.
        assertError(error("\uD83D\uDE00ok\uD83D\uDE00all\uD83D\uDE00\uD83D\uDE00\uD83D\uDE00 :nope:all:::"),
                ErrorKind.INVALID_TYPE, 2, 13);
    }

    @Test
    void nonAsciiFieldsAreUtf8() {
        Rule r = map(":prefix:client:user.é:user.ü.:").rules().get(0);
        assertEquals("user.é", new String(r.key, UTF_8));
        assertEquals(8, r.prepend.length, "ü is two bytes");
    }

    // ---- what a map does ----------------------------------------------------------------------

    @Test
    void okPassesTheNameUnchangedWithoutACopy() {
        XattrMap m = map(":ok:all:::");
        byte[] name = b("user.virtiofs.potato");
        assertSame(name, new XattrNames(m).toHost(name));
        XattrMap allow = map(":ok:all:allow.:allow.:");
        assertEquals("allow.y", guest(allow, "allow.y"));
        assertEquals("allow.y", listed(allow, "allow.y"));
    }

    @Test
    void badAndUnsupportedHideHostNamesAndRefuseGuestNames() {
        assertEquals("boring_attr", listed(map(":bad:server::security.: :ok:all:::"), "security.secret", "boring_attr"));
        assertEquals("boring_attr",
                listed(map(":unsupported:server::security.: :ok:all:::"), "security.secret", "boring_attr"));
        assertEquals("EPERM", guest(map(":bad:client:::"), "virtiofs."));
        assertEquals("EOPNOTSUPP", guest(map(":unsupported:client:::"), "virtiofs."));
        assertEquals(-Errno.EOPNOTSUPP, getxattrRefusal(map(":unsupported:client:::"), "virtiofs."),
                "only bad turns into ENODATA for GETXATTR");
    }

    @Test
    void prefixPrependsToTheWholeGuestNameAndStripsHostNames() {
        XattrMap m = map(":prefix:all:trusted.:virtiofs.user.:");
        assertEquals("virtiofs.user.trusted.secret_thing", guest(m, "trusted.secret_thing"));
        assertEquals("x", listed(map(":prefix:server::virtiofs.user.:"), "virtiofs.user.x"));
    }

    @Test
    void theFirstMatchingRuleWins() {
        XattrMap m = map(":bad:client:user.secret.:: :prefix:client:user.:host.: :ok:all:::");
        assertEquals("EPERM", guest(m, "user.secret.key"));
        assertEquals("host.user.public", guest(m, "user.public"));
        assertEquals("trusted.x", guest(m, "trusted.x"));
        XattrMap servers = map(":ok:server::user.keep.: :bad:server::user.: :prefix:server::x.: :ok:all:::");
        assertEquals("user.keep.a y z", listed(servers, "user.keep.a", "user.drop", "x.y", "z"));
    }

    @Test
    void aNameNoRuleMatchesIsRefusedAndHidden() {
        XattrMap m = map(":ok:client:user.:: :ok:server::user.:");
        assertFalse(m.decidesEveryGuestName());
        assertFalse(m.decidesEveryHostName());
        assertEquals("EOPNOTSUPP", guest(m, "trusted.x"));
        assertEquals("EOPNOTSUPP", guest(m, "trusted.y"), "again, after the one log line");
        assertEquals("user.a", listed(m, "trusted.x", "user.a"));
        assertFalse(m.hasRuleForGuestName("security.capability"), "the daemon refuses to start with this map");
        assertTrue(map(":ok:client:security.::").hasRuleForGuestName("security.capability"));
        assertTrue(map(":map::user.virtiofs.:").decidesEveryGuestName());
        assertTrue(map(":ok:client::: :bad:server:::").decidesEveryHostName());
    }

    @Test
    void namesTooLongOnceMappedAreErange() {
        XattrMap m = map(":map::user.virtiofs.:");
        int room = Fcntl.XATTR_NAME_MAX - "user.virtiofs.".length();
        assertEquals("user.virtiofs.user." + "n".repeat(room - 5), guest(m, "user." + "n".repeat(room - 5)));
        assertEquals("ERANGE", guest(m, "user." + "n".repeat(room - 4)), "256 bytes on the host");
        assertEquals("ERANGE", guest(null, "user." + "n".repeat(251)), "without a map: the kernel's limit too");
        assertEquals("user." + "n".repeat(250), guest(null, "user." + "n".repeat(250)));
    }

    @Test
    void emptyAndNulNamesAreRefusedBeforeMapping() {
        XattrNames names = new XattrNames(map(":map::user.virtiofs.:"));
        assertEquals(-Errno.EOPNOTSUPP, names.check(new byte[0]), "a prefix of the ACL names, without ACLs");
        names.serveAcls(true);
        assertEquals(-Errno.ERANGE, names.check(new byte[0]), "never user.virtiofs. itself");
        assertEquals(-Errno.EINVAL, names.check(b("user.a\0b")));
        assertEquals(-Errno.EINVAL, names.check(null));
        assertEquals("a", listed(map(":map::user.virtiofs.:"), "user.virtiofs.", "user.virtiofs.a"),
                "a host name that maps to nothing is left out");
    }

    @Test
    void aclNamesAreCheckedBeforeMappingAndListingsAfter() {
        XattrMap m = map(":map::user.virtiofs.:");
        XattrNames names = new XattrNames(m);
        assertEquals(-Errno.EOPNOTSUPP, names.check(b("system.posix_acl_access")));
        assertEquals("user.a", listed(m, "user.virtiofs.system.posix_acl_access", "user.virtiofs.user.a"));
        names.serveAcls(true);
        assertEquals(0, names.check(b("system.posix_acl_access")));
        assertEquals("user.virtiofs.system.posix_acl_access", new String(names.toHost(b("system.posix_acl_access")),
                UTF_8));
        byte[] raw = b("user.virtiofs.system.posix_acl_access\0");
        byte[] out = new byte[64];
        assertEquals("system.posix_acl_access\0".length(), names.toGuestList(raw, raw.length, out));
    }

    @Test
    void aListingThatDoesNotFitIsErange() {
        XattrNames names = new XattrNames(map(":prefix:server::user.virtiofs.: :ok:all:::"));
        byte[] raw = b("user.virtiofs.abc\0user.d\0");
        assertEquals(-Errno.ERANGE, names.toGuestList(raw, raw.length, new byte[10]));
        assertEquals(11, names.toGuestList(raw, raw.length, new byte[11]), "abc\\0user.d\\0");
    }

    @Test
    void securityCapabilityIsRenamedOnlyWhenTheMapPassesItUnderAnotherName() {
        assertEquals("user.virtiofs.security.capability",
                new String(new XattrNames(map(":map::user.virtiofs.:")).renamedCapability(), UTF_8));
        assertEquals("trusted.virtiofs.security.capability",
                new String(new XattrNames(map(":prefix:all:security.:trusted.virtiofs.: :ok:all:::"))
                        .renamedCapability(), UTF_8));
        assertNull(new XattrNames(null).renamedCapability());
        assertNull(new XattrNames(map(":ok:all:::")).renamedCapability());
        assertNull(new XattrNames(map("/bad/all/security./security./ /ok/all///")).renamedCapability(),
                "refused: nothing on the host to drop");
        assertNull(new XattrNames(map(":ok:client:user.::")).renamedCapability(), "no rule for it");
    }

    @Test
    void theMapPrintsAsItsExpandedRules() {
        assertEquals(":prefix:all:trusted.:user.virtiofs.: :bad:all:user.virtiofs.:trusted.: :ok:all:::",
                map("/map/trusted./user.virtiofs./").toString());
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static Rule rule(Type type, Scope scope, String key, String prepend) {
        return Rule.of(type, scope, key, prepend);
    }

    private static XattrMap map(String text) {
        try {
            return XattrMap.parse(text);
        } catch (SyntaxException e) {
            throw new AssertionError(text + ": " + e.getMessage(), e);
        }
    }

    private static SyntaxException error(String text) {
        return assertThrows(SyntaxException.class, () -> XattrMap.parse(text), text);
    }

    private static void assertError(SyntaxException e, ErrorKind kind, int rule, int position) {
        assertEquals(kind, e.kind(), e.getMessage());
        assertEquals(rule, e.rule(), e.getMessage());
        assertEquals(position, e.position(), e.getMessage());
    }

    /** What a name from the guest becomes on the host, or the name of the errno it is refused with. */
    private static String guest(XattrMap map, String name) {
        XattrNames names = new XattrNames(map);
        int bad = names.check(b(name));
        if (bad < 0) {
            switch (-bad) {
                case Errno.EPERM: return "EPERM";
                case Errno.EOPNOTSUPP: return "EOPNOTSUPP";
                case Errno.ERANGE: return "ERANGE";
                default: return "errno " + -bad;
            }
        }
        return new String(names.toHost(b(name)), UTF_8);
    }

    /** The errno GETXATTR answers for a refused name, as {@link XattrAccess#get} turns it. */
    private static int getxattrRefusal(XattrMap map, String name) {
        int bad = new XattrNames(map).check(b(name));
        return bad == -Errno.EPERM ? -Errno.ENODATA : bad;
    }

    /** The guest's listing of a host listing, names separated by one space. */
    private static String listed(XattrMap map, String... hostNames) {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        for (String n : hostNames) {
            raw.writeBytes(b(n));
            raw.write(0);
        }
        byte[] in = raw.toByteArray();
        byte[] out = new byte[Fcntl.XATTR_LIST_MAX];
        int length = new XattrNames(map).toGuestList(in, in.length, out);
        assertTrue(length >= 0, "listing failed: " + length);
        List<String> names = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < length; i++) {
            if (out[i] == 0) {
                names.add(new String(out, start, i - start, UTF_8));
                start = i + 1;
            }
        }
        assertEquals(length, start, "NUL-terminated");
        return String.join(" ", names);
    }

    private static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }
}
