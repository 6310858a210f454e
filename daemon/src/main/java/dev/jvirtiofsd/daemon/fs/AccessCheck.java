package dev.jvirtiofsd.daemon.fs;

import dev.jvirtiofsd.daemon.sys.Fcntl;

/**
 * ACCESS answered from the mode bits, as the Rust virtiofsd does it: owner, group and other bits
 * against the requester's uid and primary gid (no supplementary groups, no ACLs); uid 0 may read
 * and write anything and execute what has any execute bit.
 */
final class AccessCheck {
    private AccessCheck() {
    }

    /** @return true if {@code mask} (F_OK or R_OK|W_OK|X_OK bits) is allowed */
    static boolean allows(int mask, int mode, int fileUid, int fileGid, int uid, int gid) {
        int wanted = mask & (Fcntl.R_OK | Fcntl.W_OK | Fcntl.X_OK);
        boolean root = uid == 0;
        boolean owner = fileUid == uid;
        boolean group = fileGid == gid;
        if ((wanted & Fcntl.R_OK) != 0 && !root
                && !(owner && (mode & 0400) != 0) && !(group && (mode & 0040) != 0) && (mode & 0004) == 0) {
            return false;
        }
        if ((wanted & Fcntl.W_OK) != 0 && !root
                && !(owner && (mode & 0200) != 0) && !(group && (mode & 0020) != 0) && (mode & 0002) == 0) {
            return false;
        }
        if ((wanted & Fcntl.X_OK) != 0
                && !(root && (mode & 0111) != 0)
                && !(owner && (mode & 0100) != 0) && !(group && (mode & 0010) != 0) && (mode & 0001) == 0) {
            return false;
        }
        return true;
    }
}
