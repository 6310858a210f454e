package dev.jvirtiofsd.daemon.idmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvirtiofsd.daemon.idmap.IdMapRule.Type;
import org.junit.jupiter.api.Test;

/** The rule syntax of --translate-uid/--translate-gid, as the Rust virtiofsd reads it, and where bad rules go wrong. */
class IdMapRuleTest {

    private static void parses(String text, Type type, long from, long to, long count) {
        IdMapRule r = IdMapRule.parse(text);
        assertEquals(new IdMapRule(type, from, to, count, text), r, text);
        assertEquals(text, r.toString());
    }

    /** Asserts that {@code text} is refused at {@code column} with {@code reasonPart} in the message. */
    private static void refused(String text, int column, String reasonPart) {
        IdMapSyntaxException e = assertThrows(IdMapSyntaxException.class, () -> IdMapRule.parse(text), text);
        assertEquals(column, e.column(), () -> text + ": " + e.getMessage());
        assertTrue(e.getMessage().startsWith("'" + text + "' at character " + column + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(reasonPart), () -> "expected '" + reasonPart + "' in: " + e.getMessage());
    }

    @Test
    void everyTypeParses() {
        parses("guest:1000:200:5", Type.GUEST, 1000, 200, 5);
        parses("host:200:1000:5", Type.HOST, 200, 1000, 5);
        parses("squash-guest:0:107:4294967295", Type.SQUASH_GUEST, 0, 107, 4294967295L);
        parses("squash-host:0:65534:1000", Type.SQUASH_HOST, 0, 65534, 1000);
        parses("forbid-guest:0:1000", Type.FORBID_GUEST, 0, 0, 1000);
        parses("map:1000:200:1", Type.MAP, 1000, 200, 1);
    }

    @Test
    void theSeparatorIsTheFirstCharacterThatIsNotPartOfAName() {
        parses("map/1000/200/1", Type.MAP, 1000, 200, 1);
        parses("map,1000,200,1", Type.MAP, 1000, 200, 1);
        parses("squash-guest 0 107 10", Type.SQUASH_GUEST, 0, 107, 10);
        parses("forbid-guest.5.6", Type.FORBID_GUEST, 5, 0, 6);
        parses("map\u00a71000\u00a7200\u00a71", Type.MAP, 1000, 200, 1);
        // Every field takes the first one; another separator is part of a number, which it is not.
        refused("map:1000/200:1", 5, "'1000/200' is not a number");
        // '-' and '_' belong to the type: "map-1000" is a type name, and there is no separator after it.
        refused("map-1000-200-1", 15, "no separator");
        refused("squash_guest:0:1:1", 1, "unknown type 'squash_guest'");
    }

    @Test
    void theTypeIsCaseInsensitive() {
        parses("MAP:1:2:3", Type.MAP, 1, 2, 3);
        parses("Squash-Guest:0:107:10", Type.SQUASH_GUEST, 0, 107, 10);
        parses("FORBID-GUEST:1:2", Type.FORBID_GUEST, 1, 0, 2);
    }

    @Test
    void numbersAreUnsigned32BitDecimals() {
        parses("map:0:4294967295:0", Type.MAP, 0, 4294967295L, 0);
        parses("map:+7:+8:+1", Type.MAP, 7, 8, 1); // Rust's u32 parser takes a leading '+'
        parses("map:007:08:1", Type.MAP, 7, 8, 1);
        refused("map:4294967296:0:1", 5, "4294967296 is larger than 4294967295");
        refused("map:99999999999999999999:0:1", 5, "is larger than 4294967295");
        refused("map:-1:0:1", 5, "'-1' is not a number");
        refused("map:1:0x10:1", 7, "'0x10' is not a number");
        refused("map:1:2: 3", 9, "' 3' is not a number");
        refused("map:1:+:1", 7, "'+' is not a number");
        refused("map:1:\u0663:1", 7, "is not a number"); // an Arabic-Indic digit: ASCII only
        refused("map:1::1", 7, "empty field");
    }

    @Test
    void eachTypeTakesItsNumberOfFields() {
        refused("map:1:2", 8, "map takes 3 numbers (map:GUEST:HOST:COUNT), found 2");
        refused("guest:1", 8, "guest takes 3 numbers");
        refused("map:1:2:3:4", 11, "map takes 3 numbers (map:GUEST:HOST:COUNT), found more");
        refused("forbid-guest:1:2:3", 18, "forbid-guest takes 2 numbers (forbid-guest:GUEST:COUNT), found more");
        refused("forbid-guest:1", 15, "found 1");
        refused("map:1:2:3:", 11, "found more");
        refused("map:", 5, "empty field");
    }

    @Test
    void badTypesAreRefusedAtTheStart() {
        refused("maps:1:2:3", 1,
                "unknown type 'maps'; expected guest, host, squash-guest, squash-host, forbid-guest or map");
        refused(":1:2:3", 1, "unknown type ''");
        refused("uid:1:2:3", 1, "unknown type 'uid'");
    }

    @Test
    void aRuleWithoutSeparatorIsRefusedAtItsEnd() {
        refused("", 1, "expected TYPE:FROM:TO:COUNT");
        refused("map", 4, "found no separator after the type");
        // The README's form without a type is not a rule (nor is it in the Rust virtiofsd's parser).
        refused("1000", 5, "no separator");
        refused("1000:200:1", 1, "unknown type '1000'");
    }
}
