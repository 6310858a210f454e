package dev.jvirtiofsd.daemon.fuse;

import dev.jvirtiofsd.daemon.fs.RequestContext;
import dev.jvirtiofsd.protocol.FuseProtocol;
import dev.jvirtiofsd.protocol.InitFlags;
import dev.jvirtiofsd.protocol.Opcode;
import java.nio.ByteBuffer;

/**
 * The extensions at the end of a create-type request (CREATE, MKNOD, MKDIR, SYMLINK, TMPFILE):
 * the in-header's total_extlen counts their 8-byte units, and each starts with
 * {@code struct fuse_ext_header {u32 size; u32 type}} whose size includes the header and is a
 * multiple of 8 (linux/fuse.h, 7.38+). Two kinds are read into the {@link RequestContext}:
 * <ul>
 * <li>types 0..FUSE_MAX_NR_SECCTX: {@code struct fuse_secctx_header}, the type being nr_secctx,
 *     then per context {@code struct fuse_secctx {u32 size; u32 padding}}, the xattr name with
 *     its NUL and {@code size} bytes of value; read only when SECURITY_CTX was negotiated;</li>
 * <li>FUSE_EXT_GROUPS: {@code struct fuse_supp_groups {u32 nr_groups; u32 groups[]}}, read only
 *     when CREATE_SUPP_GROUP was negotiated.</li>
 * </ul>
 * Other types are skipped, and so is everything when neither kind was negotiated. Everything is
 * guest data: sizes are checked against the record and the request, a kind may come once, and
 * anything inconsistent makes the request malformed.
 */
final class RequestExtensions {
    static final int HEADER_BYTES = 8;
    static final int SECCTX_BYTES = 8;
    static final int GROUPS_HEADER_BYTES = 4;
    /** The most groups we accept: NGROUPS_MAX, as the Rust virtiofsd (1.13.2 accepted only one). */
    static final int MAX_GROUPS = 65536;
    /** XATTR_NAME_MAX and XATTR_SIZE_MAX of linux/limits.h. */
    static final int XATTR_NAME_MAX = 255;
    static final int XATTR_SIZE_MAX = 65536;
    /** Only a security.* attribute is a security context (what security_dentry_init_security names). */
    private static final byte[] SECURITY_PREFIX = {'s', 'e', 'c', 'u', 'r', 'i', 't', 'y', '.'};

    private RequestExtensions() {
    }

    /** Whether requests of {@code opcode} may carry extensions we act on. */
    static boolean appliesTo(int opcode) {
        return opcode == Opcode.CREATE || opcode == Opcode.MKNOD || opcode == Opcode.MKDIR
            || opcode == Opcode.SYMLINK || opcode == Opcode.TMPFILE;
    }

    /**
     * Reads the extensions in {@code request[from, to)} into {@code ctx}. Returns false if they
     * are malformed (the request is then refused; {@code ctx} may hold part of them).
     */
    static boolean decode(ByteBuffer request, int from, int to, long negotiated, RequestContext ctx) {
        boolean secctx = (negotiated & InitFlags.SECURITY_CTX) != 0;
        boolean groups = (negotiated & InitFlags.CREATE_SUPP_GROUP) != 0;
        if (!secctx && !groups) {
            return true; // none of them is ours to read: skipped whole, as before 7.38
        }
        boolean seenSecctx = false;
        boolean seenGroups = false;
        int at = from;
        while (at < to) {
            if (to - at < HEADER_BYTES) {
                return false;
            }
            long size = Integer.toUnsignedLong(request.getInt(at));
            int type = request.getInt(at + 4);
            if (size < HEADER_BYTES || size > to - at || size % 8 != 0) {
                return false;
            }
            int end = at + (int) size;
            if (Integer.compareUnsigned(type, FuseProtocol.MAX_NR_SECCTX) <= 0) {
                if (secctx) {
                    if (seenSecctx || !securityContext(request, at + HEADER_BYTES, end, type, ctx)) {
                        return false;
                    }
                    seenSecctx = true;
                }
            } else if (type == FuseProtocol.EXT_GROUPS) {
                if (groups) {
                    if (seenGroups || !supplementaryGroups(request, at, end, ctx)) {
                        return false;
                    }
                    seenGroups = true;
                }
            }
            at = end;
        }
        return true;
    }

    /** The contexts after a fuse_secctx_header: none, or exactly one (all a Linux guest sends). */
    private static boolean securityContext(ByteBuffer request, int at, int end, int count, RequestContext ctx) {
        if (count == 0) {
            return true;
        }
        if (count != 1 || end - at < SECCTX_BYTES) {
            return false;
        }
        long valueLength = Integer.toUnsignedLong(request.getInt(at));
        int nameStart = at + SECCTX_BYTES;
        int nul = -1;
        for (int i = nameStart; i < end && i <= nameStart + XATTR_NAME_MAX; i++) {
            if (request.get(i) == 0) {
                nul = i;
                break;
            }
        }
        if (nul < 0 || nul - nameStart <= SECURITY_PREFIX.length || !startsWithSecurity(request, nameStart)) {
            return false;
        }
        if (valueLength > XATTR_SIZE_MAX || valueLength > end - (nul + 1)) {
            return false;
        }
        byte[] name = new byte[nul - nameStart];
        request.get(nameStart, name);
        byte[] value = new byte[(int) valueLength];
        request.get(nul + 1, value);
        ctx.setSecurityContext(name, value);
        return true;
    }

    private static boolean startsWithSecurity(ByteBuffer request, int at) {
        for (int i = 0; i < SECURITY_PREFIX.length; i++) {
            if (request.get(at + i) != SECURITY_PREFIX[i]) {
                return false;
            }
        }
        return true;
    }

    /** fuse_supp_groups filling its record exactly: header, count, the gids, padding to 8. */
    private static boolean supplementaryGroups(ByteBuffer request, int at, int end, RequestContext ctx) {
        if (end - at < HEADER_BYTES + GROUPS_HEADER_BYTES) {
            return false;
        }
        long count = Integer.toUnsignedLong(request.getInt(at + HEADER_BYTES));
        if (count > MAX_GROUPS
            || FuseProtocol.recAlign(HEADER_BYTES + GROUPS_HEADER_BYTES + 4 * (int) count) != end - at) {
            return false;
        }
        int n = (int) count;
        int[] gids = ctx.supplementaryGroupsWithRoomFor(n);
        int first = at + HEADER_BYTES + GROUPS_HEADER_BYTES;
        for (int i = 0; i < n; i++) {
            gids[i] = request.getInt(first + 4 * i);
        }
        ctx.setSupplementaryGroupCount(n);
        return true;
    }
}
