package dev.jvirtiofsd.daemon.idmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the rules mean: guest to host and host to guest, each direction on its own, for uids and gids. */
class IdTranslationTest {
    private static final long FORBIDDEN = IdTranslation.FORBIDDEN;

    private static List<IdMapRule> rules(String... texts) {
        return Arrays.stream(texts).map(IdMapRule::parse).toList();
    }

    private static IdTranslation uids(String... texts) {
        return IdTranslation.of(rules(texts), List.of());
    }

    private static IdTranslation gids(String... texts) {
        return IdTranslation.of(List.of(), rules(texts));
    }

    private static void refused(String reasonPart, List<IdMapRule> uidRules, List<IdMapRule> gidRules) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> IdTranslation.of(uidRules, gidRules));
        assertTrue(e.getMessage().contains(reasonPart), () -> "expected '" + reasonPart + "' in: " + e.getMessage());
    }

    @Test
    void withoutRulesEveryIdMapsToItself() {
        IdTranslation t = IdTranslation.of(List.of(), List.of());
        assertSame(IdTranslation.IDENTITY, t);
        assertTrue(t.isIdentity());
        for (int id : new int[] {0, 1, 1000, 65534, Integer.MAX_VALUE, -2, -1}) {
            assertEquals(Integer.toUnsignedLong(id), t.hostUid(id));
            assertEquals(Integer.toUnsignedLong(id), t.hostGid(id));
            assertEquals(id, t.guestUid(id));
            assertEquals(id, t.guestGid(id));
        }
    }

    @Test
    void guestMapsGuestIdsOnlyOneToOne() {
        IdTranslation t = uids("guest:1000:200:3");
        assertFalse(t.isIdentity());
        assertEquals(999, t.hostUid(999));
        assertEquals(200, t.hostUid(1000));
        assertEquals(202, t.hostUid(1002));
        assertEquals(1003, t.hostUid(1003));
        // The other direction is untouched.
        assertEquals(200, t.guestUid(200));
        assertEquals(1000, t.guestUid(1000));
        // And so are gids.
        assertEquals(1000, t.hostGid(1000));
    }

    @Test
    void hostMapsHostIdsOnlyOneToOne() {
        IdTranslation t = uids("host:200:1000:2");
        assertEquals(1000, t.guestUid(200));
        assertEquals(1001, t.guestUid(201));
        assertEquals(202, t.guestUid(202));
        assertEquals(199, t.guestUid(199));
        assertEquals(1000, t.hostUid(1000));
        assertEquals(200, t.hostUid(200));
    }

    @Test
    void squashGuestMapsARangeOntoOneHostId() {
        IdTranslation t = uids("squash-guest:0:107:4294967295");
        assertEquals(107, t.hostUid(0));
        assertEquals(107, t.hostUid(1000));
        assertEquals(107, t.hostUid(-2)); // 4294967294, the last id of the range
        assertEquals(4294967295L, t.hostUid(-1), "(uid_t) -1 lies outside every range and stays itself");
        assertEquals(0, t.guestUid(0));
        assertEquals(107, t.guestUid(107));
    }

    @Test
    void squashHostMapsARangeOntoOneGuestId() {
        IdTranslation t = gids("squash-host:0:65534:1000");
        assertEquals(65534, t.guestGid(0));
        assertEquals(65534, t.guestGid(999));
        assertEquals(1000, t.guestGid(1000));
        assertEquals(0, t.hostGid(0));
        assertEquals(1000, t.guestUid(1000), "uids are untouched");
    }

    @Test
    void forbidGuestRefusesGuestIdsAndLeavesTheOthers() {
        IdTranslation t = uids("forbid-guest:0:1000", "map:1000:200:1");
        assertEquals(FORBIDDEN, t.hostUid(0));
        assertEquals(FORBIDDEN, t.hostUid(999));
        assertEquals(200, t.hostUid(1000));
        assertEquals(1001, t.hostUid(1001));
        assertEquals(0, t.guestUid(0), "host ids are never forbidden");
        assertEquals(1000, t.guestUid(200));
    }

    @Test
    void mapMapsBothWays() {
        IdTranslation t = IdTranslation.of(rules("map:1000:200:1"), rules("map:1000:300:10"));
        assertEquals(200, t.hostUid(1000));
        assertEquals(1000, t.guestUid(200));
        assertEquals(1001, t.hostUid(1001));
        assertEquals(201, t.guestUid(201));
        assertEquals(305, t.hostGid(1005));
        assertEquals(1009, t.guestGid(309));
        assertEquals(310, t.guestGid(310));
        // Unmapped ids stay: host 1000 still shows as 1000 (the map need not be a bijection).
        assertEquals(1000, t.guestUid(1000));
    }

    @Test
    void theProxmoxSetupMapsTheGuestUserOntoTheShareOwner() {
        IdTranslation t = IdTranslation.of(rules("map:1000:200:1"), rules("map:1000:200:1"));
        assertEquals(200, t.hostUid(1000));
        assertEquals(200, t.hostGid(1000));
        assertEquals(1000, t.guestUid(200));
        assertEquals(1000, t.guestGid(200));
        assertEquals(0, t.hostUid(0), "guest root stays root");
    }

    @Test
    void manyRulesAreFoundWhateverTheirOrder() {
        IdTranslation t = uids("guest:50000:1:10", "guest:10:100:10", "squash-guest:30000:7:5", "guest:0:500:10",
                "forbid-guest:20:5");
        assertEquals(500, t.hostUid(0));
        assertEquals(509, t.hostUid(9));
        assertEquals(100, t.hostUid(10));
        assertEquals(FORBIDDEN, t.hostUid(24));
        assertEquals(25, t.hostUid(25));
        assertEquals(7, t.hostUid(30004));
        assertEquals(30005, t.hostUid(30005));
        assertEquals(10, t.hostUid(50009));
    }

    @Test
    void aCountOfZeroMapsNothing() {
        IdTranslation t = uids("map:5:6:0", "map:5:6:1");
        assertEquals(6, t.hostUid(5));
    }

    @Test
    void overlappingSourceRangesOfOneDirectionAreRefused() {
        refused("--translate-uid rule 2, 'guest:1005:0:1': its guest uids 1005 to 1005 overlap those of rule 1, "
                + "'guest:1000:5000:10' (1005 to 1005)", rules("guest:1000:5000:10", "guest:1005:0:1"), List.of());
        refused("--translate-gid rule 2, 'squash-host:0:1:1000': its host gids 0 to 999 overlap those of rule 1",
                List.of(), rules("map:1000:200:1", "squash-host:0:1:1000"));
        refused("rule 2, 'forbid-guest:0:1001'", rules("map:1000:200:1", "forbid-guest:0:1001"), List.of());
        refused("'map:5:1000:1': its host uids 1000 to 1000 overlap those of rule 1, 'host:900:0:101'",
                rules("host:900:0:101", "map:5:1000:1"), List.of());
        refused("its guest uids", rules("map:0:0:10", "map:9:100:1"), List.of());
    }

    @Test
    void rangesOfDifferentDirectionsOrKindsMayOverlap() {
        // guest [1000, 1001) and host [1000, 1001): different maps.
        IdTranslation t = uids("guest:1000:1000:1", "host:1000:1000:1", "squash-guest:0:1000:1000");
        assertEquals(1000, t.hostUid(1000));
        assertEquals(1000, t.hostUid(5));
        IdTranslation.of(rules("map:0:0:10"), rules("map:0:0:10"));
        // Adjacent ranges do not overlap.
        uids("map:0:100:10", "map:10:200:10");
    }

    @Test
    void rangesThatOverflowAreRefused() {
        refused("--translate-uid rule 1, 'guest:4294967290:0:10': the guest uid range 4294967290 + 10 overflows",
                rules("guest:4294967290:0:10"), List.of());
        refused("the host uid range 4294967290 + 10 overflows", rules("guest:0:4294967290:10"), List.of());
        refused("the host gid range", List.of(), rules("map:0:4294967295:1"));
        refused("the guest uid range", rules("forbid-guest:4294967295:1"), List.of());
        refused("rule 2", rules("map:0:0:1", "squash-host:1:5:4294967295"), List.of());
        // As in the Rust virtiofsd, first + count must fit 32 bits: the last id a range holds is 4294967294.
        assertEquals(4294967294L, uids("guest:4294967294:4294967294:1").hostUid(-2));
        assertEquals(4294967294L, uids("guest:0:0:4294967295").hostUid(-2));
    }

    @Test
    void aSquashOntoMinusOneIsRefused() {
        refused("4294967295 is not an id", rules("squash-guest:0:4294967295:10"), List.of());
        refused("4294967295 is not an id", List.of(), rules("squash-host:0:4294967295:10"));
    }

    @Test
    void aForbiddenIdIsAnsweredWithEperm() {
        assertEquals(-1, uids("forbid-guest:0:1").refuse("uid", 0));
        assertEquals(-1, uids("forbid-guest:0:1").refuse("uid", 0));
    }
}
