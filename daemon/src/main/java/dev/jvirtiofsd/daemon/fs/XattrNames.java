package dev.jvirtiofsd.daemon.fs;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import dev.jvirtiofsd.daemon.sys.Errno;
import dev.jvirtiofsd.daemon.sys.Fcntl;

/**
 * Extended-attribute names between guest and host: a name from the guest checked and turned into
 * the host's name, a host listing turned into the guest's, through the {@code --xattrmap} rules
 * if there are any ({@link XattrMap}), unchanged otherwise.
 *
 * <p>Without POSIX ACL support (--posix-acl, negotiated at INIT) the ACL attributes are refused
 * (EOPNOTSUPP) and left out of listings, as the Rust virtiofsd does: a guest that cannot have
 * them honoured must not set them. Like there, the guest's name is checked before it is mapped,
 * and a listing after it is mapped.
 */
final class XattrNames {
    static final byte[] ACL_ACCESS = ascii("system.posix_acl_access");
    static final byte[] ACL_DEFAULT = ascii("system.posix_acl_default");
    static final byte[] SECURITY_CAPABILITY = ascii("security.capability");

    /** The rules; null: names pass unchanged. */
    private final XattrMap map;
    /** Whether the ACL attributes are served (POSIX_ACL negotiated); set by INIT, cleared by DESTROY. */
    private volatile boolean acls;

    XattrNames(XattrMap map) {
        this.map = map;
    }

    void serveAcls(boolean value) {
        acls = value;
    }

    boolean servesAcls() {
        return acls;
    }

    /**
     * 0 if the guest may use {@code guestName}, else the negative errno to answer: EINVAL for a
     * NUL in it, EOPNOTSUPP for an ACL name without ACL support or an {@code unsupported} rule,
     * EPERM for a {@code bad} rule, ERANGE for an empty name or one longer than XATTR_NAME_MAX
     * once mapped (what the kernel answers for such names).
     */
    int check(byte[] guestName) {
        if (guestName == null || Names.checkNoNul(guestName) < 0) {
            return -Errno.EINVAL;
        }
        if (!acls && isAclPrefix(guestName, 0, guestName.length)) {
            return -Errno.EOPNOTSUPP;
        }
        if (guestName.length == 0) {
            return -Errno.ERANGE;
        }
        int hostLength = guestName.length;
        if (map != null) {
            XattrMap.Rule rule = map.forGuestName(guestName);
            if (rule.refusal() != 0) {
                return -rule.refusal();
            }
            hostLength = rule.hostNameLength(guestName.length);
        }
        return hostLength > Fcntl.XATTR_NAME_MAX ? -Errno.ERANGE : 0;
    }

    /** The host's name for a guest's name that {@link #check} let through. */
    byte[] toHost(byte[] guestName) {
        return map == null ? guestName : map.forGuestName(guestName).hostName(guestName);
    }

    /**
     * Copies the guest's view of the host listing {@code raw[0, length)} (NUL-terminated names)
     * into {@code out}: each name mapped, hidden names and (without ACL support) the ACL names
     * left out, names that map to nothing dropped. Returns its length, or -ERANGE if it does not fit.
     */
    int toGuestList(byte[] raw, int length, byte[] out) {
        int written = 0;
        int start = 0;
        while (start < length) {
            int end = start;
            while (end < length && raw[end] != 0) {
                end++;
            }
            int from = start;
            int nameLength = end - start;
            if (map != null && nameLength > 0) {
                XattrMap.Rule rule = map.forHostName(raw, start, nameLength);
                if (rule.hides()) {
                    nameLength = 0;
                } else {
                    from += rule.strippedLength();
                    nameLength -= rule.strippedLength();
                }
            }
            if (nameLength > 0 && (acls || !isAclPrefix(raw, from, nameLength))) {
                if (written + nameLength + 1 > out.length) {
                    return -Errno.ERANGE;
                }
                System.arraycopy(raw, from, out, written, nameLength);
                out[written + nameLength] = 0;
                written += nameLength + 1;
            }
            start = end + 1;
        }
        return written;
    }

    /** The host's name for security.capability if the map renames it; null if it keeps or refuses it. */
    byte[] renamedCapability() {
        if (map == null) {
            return null;
        }
        XattrMap.Rule rule = map.firstForGuestName(SECURITY_CAPABILITY);
        if (rule == null || rule.refusal() != 0) {
            return null;
        }
        byte[] host = rule.hostName(SECURITY_CAPABILITY);
        return Arrays.equals(host, SECURITY_CAPABILITY) ? null : host;
    }

    /** A name is an ACL name if it is a prefix of either ACL attribute's name (the Rust rule). */
    static boolean isAclPrefix(byte[] name, int offset, int length) {
        return isPrefix(name, offset, length, ACL_ACCESS) || isPrefix(name, offset, length, ACL_DEFAULT);
    }

    private static boolean isPrefix(byte[] name, int offset, int length, byte[] of) {
        if (length > of.length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (name[offset + i] != of[i]) {
                return false;
            }
        }
        return true;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
