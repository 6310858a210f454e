package dev.jvirtiofsd.daemon.fs;

/** Who asks: the identity in the FUSE in-header of the request being served. Reused per thread. */
public final class RequestContext {
    private static final int[] NO_GROUPS = new int[0];

    /** Guest uid and gid of the requesting process (unsigned 32-bit values held in an int). */
    public int uid;
    public int gid;
    public int pid;

    /**
     * The guest asks the host to clear suid/sgid as the kernel would for an unprivileged caller:
     * FUSE_OPEN_KILL_SUIDGID of OPEN and CREATE (with O_TRUNC), FUSE_SETXATTR_ACL_KILL_SGID of
     * SETXATTR (of an access ACL). Acted on only where the matching INIT flag was negotiated.
     */
    public boolean killSuidgid;

    /** Supplementary groups of the requester (FUSE_EXT_GROUPS of create-type requests). */
    private int[] groups = NO_GROUPS;
    private int groupCount;

    /** The security context of a create-type request (FUSE_SECURITY_CTX): xattr name and value. */
    private byte[] securityContextName;
    private byte[] securityContextValue;

    /** A new request: its in-header's ids, and no extensions yet. */
    public RequestContext set(int uid, int gid, int pid) {
        this.uid = uid;
        this.gid = gid;
        this.pid = pid;
        killSuidgid = false;
        groupCount = 0;
        securityContextName = null;
        securityContextValue = null;
        return this;
    }

    /** An array of at least {@code count} entries to fill with the request's groups; then {@link #setSupplementaryGroupCount}. */
    public int[] supplementaryGroupsWithRoomFor(int count) {
        if (groups.length < count) {
            groups = new int[Math.max(count, 8)];
        }
        return groups;
    }

    public void setSupplementaryGroupCount(int count) {
        groupCount = count;
    }

    /** The request's supplementary groups: the first {@link #supplementaryGroupCount()} entries. */
    public int[] supplementaryGroups() {
        return groups;
    }

    public int supplementaryGroupCount() {
        return groupCount;
    }

    public void setSecurityContext(byte[] name, byte[] value) {
        securityContextName = name;
        securityContextValue = value;
    }

    /** Whether the request carries a security context to store on the node it creates. */
    public boolean hasSecurityContext() {
        return securityContextName != null;
    }

    /** The xattr name of the security context (e.g. security.selinux), without NUL. */
    public byte[] securityContextName() {
        return securityContextName;
    }

    public byte[] securityContextValue() {
        return securityContextValue;
    }
}
