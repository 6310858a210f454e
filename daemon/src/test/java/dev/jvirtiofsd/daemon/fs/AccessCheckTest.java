package dev.jvirtiofsd.daemon.fs;

import static dev.jvirtiofsd.daemon.sys.Fcntl.F_OK;
import static dev.jvirtiofsd.daemon.sys.Fcntl.R_OK;
import static dev.jvirtiofsd.daemon.sys.Fcntl.W_OK;
import static dev.jvirtiofsd.daemon.sys.Fcntl.X_OK;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AccessCheckTest {
    private static final int OWNER = 100;
    private static final int GROUP = 200;

    private static boolean allows(int mask, int mode, int uid, int gid) {
        return AccessCheck.allows(mask, mode, OWNER, GROUP, uid, gid);
    }

    @Test
    void existenceIsAlwaysAllowed() {
        assertTrue(allows(F_OK, 0, 5, 5));
    }

    @Test
    void ownerGroupAndOtherBits() {
        assertTrue(allows(R_OK | W_OK, 0600, OWNER, 1));
        assertFalse(allows(X_OK, 0600, OWNER, 1));
        assertTrue(allows(R_OK, 0040, 1, GROUP));
        assertFalse(allows(W_OK, 0040, 1, GROUP));
        assertTrue(allows(R_OK | X_OK, 0005, 1, 1));
        assertFalse(allows(R_OK, 0770, 1, 1));
    }

    @Test
    void classesFallThroughAsInTheRustVirtiofsd() {
        // The owner without the owner bit still gets access through the group or other bit.
        assertTrue(allows(R_OK, 0044, OWNER, 1));
        assertTrue(allows(W_OK, 0022, OWNER, GROUP));
    }

    @Test
    void rootReadsAndWritesEverythingButExecutesOnlyWithSomeXBit() {
        assertTrue(allows(R_OK | W_OK, 0, 0, 0));
        assertFalse(allows(X_OK, 0644, 0, 0));
        assertTrue(allows(X_OK, 0001, 0, 0));
        assertTrue(allows(X_OK, 0100, 0, 0));
    }

    @Test
    void unknownMaskBitsAreIgnored() {
        assertTrue(allows(0x40, 0, 1, 1));
    }
}
