package dev.jvirtiofsd.daemon.e2e;

import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.args;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.fh;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.nodeId;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jvirtiofsd.daemon.e2e.FuseTestClient.Args;
import dev.jvirtiofsd.daemon.e2e.FuseTestClient.Reply;
import dev.jvirtiofsd.daemon.sys.Fcntl;
import dev.jvirtiofsd.daemon.sys.ProcSelfFd;
import dev.jvirtiofsd.daemon.sys.Syscalls;
import dev.jvirtiofsd.daemon.sys.ThreadIdentity;
import dev.jvirtiofsd.protocol.InHeader;
import dev.jvirtiofsd.protocol.Opcode;
import dev.jvirtiofsd.vhostuser.frontend.FrontendOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-request identity and the create-time options, through the real daemon and a frontend:
 * nodes created for a guest user belong to that user on the host, the host kernel (not the
 * daemon) refuses what the user may not do, setgid directories and the supplementary-groups
 * extension behave as on a local file system, and --posix-acl, --security-label and
 * --killpriv-v2 each change what the host shows (every option test also runs without the option,
 * so an ignored option fails). Needs root, as the daemon does to create as another user.
 */
class IdentityEndToEndTest {
    static final int LINUX_FLAGS = 0x7bfffffb;
    static final int LINUX_6_1_FLAGS2 = 0xb;
    /** 6.12: SECURITY_CTX, HAS_INODE_DAX, CREATE_SUPP_GROUP, ... ALLOW_IDMAP. */
    static final int LINUX_6_12_FLAGS2 = 0x1ff;
    static final int DONT_MASK = 1 << 6;
    static final int POSIX_ACL = 1 << 20;
    static final int HANDLE_KILLPRIV_V2 = 1 << 28;
    static final int SETXATTR_EXT = 1 << 29;
    static final int SECURITY_CTX_IN_FLAGS2 = 1;
    static final int CREATE_SUPP_GROUP_IN_FLAGS2 = 1 << 2;
    static final int EACCES = 13;
    static final int EINVAL = 22;
    static final int EPROTO = 71;
    static final int ENODATA = 61;
    static final int EOPNOTSUPP = 95;
    static final int S_IFIFO = 0010000;
    static final int S_ISUID = 04000;
    static final int S_ISGID = 02000;
    static final int O_RDWR = 2;
    static final int O_TRUNC = 01000;

    @TempDir
    Path tmp;
    Path shared;
    RunningDaemon daemon;
    FuseTestClient fuse;
    private int started;

    @BeforeEach
    void needRoot() {
        assumeTrue(ThreadIdentity.effectiveUid() == 0, "needs root");
    }

    /** A fresh daemon with {@code options} on a world-writable shared directory owned by root. */
    void start(String... options) throws Exception {
        stop();
        shared = Files.createDirectories(tmp.resolve("shared" + started));
        chmod(shared, 0777);
        daemon = RunningDaemon.start(shared, tmp.resolve("vfs" + started++ + ".sock"), FrontendOptions.defaults(),
                options);
        fuse = new FuseTestClient(daemon.frontend);
    }

    /** INIT with the guest's flags; returns the reply. */
    Reply init(int flags, int flags2) throws TimeoutException {
        return OpsSupport.init(fuse, 38, flags, flags2);
    }

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.close();
            daemon = null;
        }
    }

    void as(int uid, int gid) {
        fuse.uid = uid;
        fuse.gid = gid;
    }

    // ---- ownership and permissions ----

    @Test
    void nodesCreatedForAGuestUserBelongToThatUser() throws Exception {
        start();
        init(LINUX_FLAGS, LINUX_6_12_FLAGS2).ok();
        as(1000, 1000);
        long home = nodeId(fuse.mkdir(1, "home", 0755));
        fuse.create(home, "file", 0644, O_RDWR).ok();
        fuse.mknod(home, "fifo", S_IFIFO | 0644).ok();
        fuse.symlink(home, "link", "file").ok();
        for (String name : new String[] {"home", "home/file", "home/fifo", "home/link"}) {
            Path p = shared.resolve(name);
            assertEquals(1000, Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS), name);
            assertEquals(1000, Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS), name);
        }
        as(0, 0);
        fuse.mkdir(1, "roots", 0755).ok();
        assertEquals(0, Files.getAttribute(shared.resolve("roots"), "unix:uid"));
    }

    @Test
    void anOTmpfileFileBelongsToItsCreator() throws Exception {
        start();
        init(LINUX_FLAGS, LINUX_6_12_FLAGS2).ok();
        as(1000, 1000);
        Reply tmp = OpsSupport.tmpfile(fuse, 1, 0644, O_RDWR);
        long node = nodeId(tmp);
        fuse.link(node, 1, "named").ok();
        assertEquals(1000, Files.getAttribute(shared.resolve("named"), "unix:uid"));
        assertEquals(0644, mode(shared.resolve("named")) & 0777);
    }

    @Test
    void aGuestUserWithoutPermissionGetsEaccesFromTheHostKernel() throws Exception {
        start();
        chmod(shared, 0755);
        init(LINUX_FLAGS, LINUX_6_12_FLAGS2).ok();
        as(1000, 1000);
        assertEquals(-EACCES, fuse.mkdir(1, "d", 0755).error());
        assertEquals(-EACCES, fuse.create(1, "f", 0644, O_RDWR).error());
        assertEquals(-EACCES, fuse.symlink(1, "l", "x").error());
        assertFalse(Files.exists(shared.resolve("d"), LinkOption.NOFOLLOW_LINKS));
        as(0, 0);
        fuse.mkdir(1, "d", 0755).ok();
    }

    /**
     * A guest that cannot send its groups (Linux before 6.7) leaves the daemon unable to check
     * group access: as the Rust virtiofsd, CAP_DAC_OVERRIDE stays, and the guest kernel's own
     * check is what holds. The node still belongs to the guest user.
     */
    @Test
    void withoutTheGroupsExtensionDacOverrideStaysAsInTheRustDaemon() throws Exception {
        start();
        chmod(shared, 0755);
        init(LINUX_FLAGS, LINUX_6_1_FLAGS2).ok();
        as(1000, 1000);
        fuse.mkdir(1, "d", 0755).ok();
        assertEquals(1000, Files.getAttribute(shared.resolve("d"), "unix:uid"));
    }

    @Test
    void setgidDirectoriesPassTheirGroupOn() throws Exception {
        start();
        Path sg = Files.createDirectory(shared.resolve("sg"));
        Files.setAttribute(sg, "unix:gid", 2000);
        chmod(sg, 02777);
        init(LINUX_FLAGS, LINUX_6_12_FLAGS2).ok();
        long dir = nodeId(fuse.lookup(1, "sg"));
        as(1000, 1000);
        fuse.create(dir, "f", 0644, O_RDWR).ok();
        fuse.mkdir(dir, "sub", 0755).ok();
        assertEquals(1000, Files.getAttribute(sg.resolve("f"), "unix:uid"));
        assertEquals(2000, Files.getAttribute(sg.resolve("f"), "unix:gid"));
        assertEquals(2000, Files.getAttribute(sg.resolve("sub"), "unix:gid"));
        assertEquals(S_ISGID, mode(sg.resolve("sub")) & S_ISGID, "a new directory stays setgid");
    }

    @Test
    void theSupplementaryGroupsExtensionGrantsGroupAccess() throws Exception {
        start();
        Path team = Files.createDirectory(shared.resolve("team"));
        Files.setAttribute(team, "unix:gid", 3000);
        chmod(team, 0770);
        init(LINUX_FLAGS, LINUX_6_12_FLAGS2).ok();
        assertTrue((flags2(init(LINUX_FLAGS, LINUX_6_12_FLAGS2)) & CREATE_SUPP_GROUP_IN_FLAGS2) != 0);
        long dir = nodeId(fuse.lookup(1, "team"));
        as(1000, 1000);
        assertEquals(-EACCES, fuse.mkdir(dir, "without", 0755).error(), "not in group 3000 without the extension");
        Reply r = send(Opcode.MKDIR, dir, args().u32(0755).u32(022).name("with"), groupsExtension(3000));
        r.ok();
        assertEquals(1000, Files.getAttribute(team.resolve("with"), "unix:uid"));
        r = send(Opcode.CREATE, dir, args().u32(O_RDWR).u32(0644).u32(022).u32(0).name("file"),
                groupsExtension(7, 3000, 8));
        r.ok();
        assertTrue(Files.exists(team.resolve("file")));
        // A count that does not match the record: refused before anything is created.
        byte[] bad = groupsExtension(3000);
        ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 2);
        assertEquals(-EINVAL, send(Opcode.MKDIR, dir, args().u32(0755).u32(022).name("bad"), bad).error());
        assertFalse(Files.exists(team.resolve("bad")));
    }

    // ---- --posix-acl ----

    @Test
    void withoutPosixAclTheModeIsTakenAsSentAndAclsAreRefused() throws Exception {
        start("--xattr");
        Reply init = init(LINUX_FLAGS, LINUX_6_12_FLAGS2);
        init.ok();
        assertEquals(0, flags(init) & (POSIX_ACL | DONT_MASK));
        long dir = nodeId(fuse.mkdir(1, "d", 0777));
        assertEquals(0777, mode(shared.resolve("d")) & 0777, "the guest applied its umask already");
        assertEquals(-EOPNOTSUPP, fuse.setxattr(dir, "system.posix_acl_default", defaultAcl(), 0).error());
    }

    @Test
    void posixAclNeedsAllThreeFlagsFromTheGuest() throws Exception {
        start("--posix-acl");
        assertEquals(-EPROTO, init(LINUX_FLAGS & ~DONT_MASK, LINUX_6_12_FLAGS2).error());
        Reply init = init(LINUX_FLAGS, LINUX_6_12_FLAGS2);
        init.ok();
        int want = POSIX_ACL | DONT_MASK | SETXATTR_EXT;
        assertEquals(want, flags(init) & want);
    }

    @Test
    void posixAclAppliesTheRequestUmaskAndDefaultAcls() throws Exception {
        start("--posix-acl");
        init(LINUX_FLAGS, LINUX_6_12_FLAGS2).ok();
        as(1000, 1000);
        long plain = nodeId(fuse.mkdir(1, "plain", 0777));
        assertEquals(0755, mode(shared.resolve("plain")) & 0777, "umask 022 of the request");
        long withAcl = nodeId(fuse.mkdir(1, "acl", 0777));
        assertEquals(0, setxattrExt(withAcl, "system.posix_acl_default", defaultAcl(), 0).error());
        // umask 077 would give 0600; the default ACL takes its place: group bits = mask rw-.
        fuse.call(Opcode.CREATE, withAcl, args().u32(O_RDWR).u32(0666).u32(077).u32(0).name("f")).ok();
        Path f = shared.resolve("acl/f");
        assertEquals(0664, mode(f) & 0777);
        assertTrue(hostXattr(f, "system.posix_acl_access") != null, "the file inherited an access ACL");
        fuse.call(Opcode.CREATE, plain, args().u32(O_RDWR).u32(0666).u32(077).u32(0).name("g")).ok();
        assertEquals(0600, mode(shared.resolve("plain/g")) & 0777);
    }

    @Test
    void anAccessAclWithKillSgidClearsSetgid() throws Exception {
        start("--posix-acl");
        Path killed = Files.createFile(shared.resolve("killed"));
        Path kept = Files.createFile(shared.resolve("kept"));
        chmod(killed, 02775);
        chmod(kept, 02775);
        init(LINUX_FLAGS, LINUX_6_12_FLAGS2).ok();
        byte[] acl = accessAcl();
        assertEquals(0, setxattrExt(nodeId(fuse.lookup(1, "killed")), "system.posix_acl_access", acl, 1).error());
        assertEquals(0, setxattrExt(nodeId(fuse.lookup(1, "kept")), "system.posix_acl_access", acl, 0).error());
        assertEquals(0, mode(killed) & S_ISGID);
        assertEquals(S_ISGID, mode(kept) & S_ISGID);
        Reply list = fuse.listxattr(1, 0);
        list.ok();
    }

    // ---- --security-label ----

    @Test
    void securityLabelNeedsTheGuestToSendContexts() throws Exception {
        start("--security-label");
        assertEquals(-EPROTO, init(LINUX_FLAGS, LINUX_6_12_FLAGS2 & ~SECURITY_CTX_IN_FLAGS2).error());
        assertEquals(SECURITY_CTX_IN_FLAGS2, flags2(init(LINUX_FLAGS, LINUX_6_12_FLAGS2)) & SECURITY_CTX_IN_FLAGS2);
    }

    @Test
    void theSecurityContextIsStoredAsTheXattrTheGuestNamed() throws Exception {
        // Without a labelling LSM on the host, security.* names need CAP_SYS_ADMIN, which is not kept by default.
        start("--security-label", "--modcaps=+sys_admin");
        init(LINUX_FLAGS, LINUX_6_12_FLAGS2).ok();
        as(1000, 1000);
        byte[] label = "system_u:object_r:test_t:s0\0".getBytes(StandardCharsets.US_ASCII);
        byte[] ext = secctxExtension("security.jvirtiofsd_test", label);
        send(Opcode.CREATE, 1, args().u32(O_RDWR).u32(0644).u32(022).u32(0).name("file"), ext).ok();
        send(Opcode.MKDIR, 1, args().u32(0755).u32(022).name("dir"), ext).ok();
        send(Opcode.MKNOD, 1, args().u32(S_IFIFO | 0644).u32(0).u32(022).u32(0).name("fifo"), ext).ok();
        send(Opcode.SYMLINK, 1, args().name("link").name("file"), ext).ok();
        for (String name : new String[] {"file", "dir", "fifo", "link"}) {
            assertArrayEquals(label, hostXattr(shared.resolve(name), "security.jvirtiofsd_test"), name);
            assertEquals(1000, Files.getAttribute(shared.resolve(name), "unix:uid", LinkOption.NOFOLLOW_LINKS));
        }
        // A label the host refuses: the node is removed again and the error returned.
        byte[] refused = secctxExtension("security.capability", "bogus".getBytes(StandardCharsets.US_ASCII));
        assertNotEquals(0, send(Opcode.MKDIR, 1, args().u32(0755).u32(022).name("unlabelled"), refused).error());
        assertFalse(Files.exists(shared.resolve("unlabelled")));
        assertNotEquals(0, send(Opcode.CREATE, 1, args().u32(O_RDWR).u32(0644).u32(022).u32(0).name("u2"),
                refused).error());
        assertFalse(Files.exists(shared.resolve("u2")));
        // Not a security.* name: not a security context, the request is refused.
        byte[] notSecurity = secctxExtension("user.other", label);
        assertEquals(-EINVAL, send(Opcode.MKDIR, 1, args().u32(0755).u32(022).name("u3"), notSecurity).error());
        assertFalse(Files.exists(shared.resolve("u3")));
    }

    @Test
    void withoutSecurityLabelTheContextIsNotStored() throws Exception {
        start("--xattr");
        init(LINUX_FLAGS, LINUX_6_12_FLAGS2).ok();
        byte[] label = "l\0".getBytes(StandardCharsets.US_ASCII);
        send(Opcode.MKDIR, 1, args().u32(0755).u32(022).name("dir"), secctxExtension("security.jvirtiofsd_test", label))
                .ok();
        assertEquals(null, hostXattr(shared.resolve("dir"), "security.jvirtiofsd_test"));
    }

    // ---- --killpriv-v2 ----

    @Test
    void killprivV2ClearsSuidOnWriteTruncateAndTruncatingOpen() throws Exception {
        start("--killpriv-v2");
        Reply init = init(LINUX_FLAGS, LINUX_6_12_FLAGS2);
        init.ok();
        assertEquals(HANDLE_KILLPRIV_V2, flags(init) & HANDLE_KILLPRIV_V2);
        assertEquals(0, writeKillingSuid("w") & S_ISUID, "write");
        assertEquals(0, truncateKillingSuid("t") & S_ISUID, "truncate");
        assertEquals(0, truncatingOpenKillingSuid("o") & S_ISUID, "open O_TRUNC");
    }

    @Test
    void withoutKillprivV2TheDaemonLeavesSuidAlone() throws Exception {
        start();
        Reply init = init(LINUX_FLAGS, LINUX_6_12_FLAGS2);
        init.ok();
        assertEquals(0, flags(init) & HANDLE_KILLPRIV_V2);
        assertEquals(S_ISUID, writeKillingSuid("w") & S_ISUID, "write");
        assertEquals(S_ISUID, truncateKillingSuid("t") & S_ISUID, "truncate");
        assertEquals(S_ISUID, truncatingOpenKillingSuid("o") & S_ISUID, "open O_TRUNC");
    }

    /** A suid file of user 1000; returns its node. */
    long suidFile(String name) throws Exception {
        Path p = Files.write(shared.resolve(name), new byte[] {1, 2, 3});
        Files.setAttribute(p, "unix:uid", 1000);
        chmod(p, 04755);
        return nodeId(fuse.lookup(1, name));
    }

    int writeKillingSuid(String name) throws Exception {
        long node = suidFile(name);
        long fh = fh(fuse.open(node, O_RDWR), 0);
        byte[] data = {9};
        as(1000, 1000);
        // fuse_write_in: fh, offset, size, write_flags (WRITE_KILL_SUIDGID), lock_owner, flags, padding
        fuse.call(Opcode.WRITE, node, args().u64(fh).u64(0).u32(1).u32(1 << 2).u64(0).u32(O_RDWR).u32(0).bytes(data))
                .ok();
        as(0, 0);
        return mode(shared.resolve(name));
    }

    int truncateKillingSuid(String name) throws Exception {
        long node = suidFile(name);
        as(1000, 1000);
        int valid = (1 << 3) | (1 << 11); // FATTR_SIZE | FATTR_KILL_SUIDGID
        fuse.setattr(node, valid, 0, 1, 0, 0, 0, 0, 0, 0, 0).ok();
        as(0, 0);
        return mode(shared.resolve(name));
    }

    int truncatingOpenKillingSuid(String name) throws Exception {
        long node = suidFile(name);
        as(1000, 1000);
        fuse.call(Opcode.OPEN, node, args().u32(O_RDWR | O_TRUNC).u32(1)).ok(); // open_flags: OPEN_KILL_SUIDGID
        as(0, 0);
        return mode(shared.resolve(name));
    }

    // ---- helpers ----

    /** Sends a request with {@code extension} after its arguments, total_extlen set. */
    Reply send(int opcode, long node, Args a, byte[] extension) throws TimeoutException {
        a.bytes(extension);
        byte[] request = fuse.encode(opcode, node, a);
        ByteBuffer.wrap(request).order(ByteOrder.LITTLE_ENDIAN).putShort(InHeader.TOTAL_EXTLEN,
                (short) (extension.length / 8));
        return fuse.send(request, 4096);
    }

    /** fuse_ext_header {size, FUSE_EXT_GROUPS} + fuse_supp_groups {nr_groups, groups[]}, padded to 8. */
    static byte[] groupsExtension(int... gids) {
        int size = (8 + 4 + 4 * gids.length + 7) & ~7;
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(size).putInt(32).putInt(gids.length);
        for (int g : gids) {
            b.putInt(g);
        }
        return b.array();
    }

    /** fuse_secctx_header {size, nr_secctx = 1} + fuse_secctx {size, padding} + name NUL + value, padded. */
    static byte[] secctxExtension(String name, byte[] value) {
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        int size = 8 + ((8 + n.length + 1 + value.length + 7) & ~7);
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(size).putInt(1).putInt(value.length).putInt(0).put(n).put((byte) 0).put(value);
        return b.array();
    }

    /** SETXATTR with the 16-byte fuse_setxattr_in of SETXATTR_EXT: size, flags, setxattr_flags, padding. */
    Reply setxattrExt(long node, String name, byte[] value, int setxattrFlags) throws TimeoutException {
        return fuse.call(Opcode.SETXATTR, node, args().u32(value.length).u32(0).u32(setxattrFlags).u32(0).name(name)
                .bytes(value));
    }

    /** posix_acl_xattr: version 2, then {u16 tag, u16 perm, u32 id} sorted by tag. */
    static byte[] acl(int[]... entries) {
        ByteBuffer b = ByteBuffer.allocate(4 + 8 * entries.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(2);
        for (int[] e : entries) {
            b.putShort((short) e[0]).putShort((short) e[1]).putInt(e[2]);
        }
        return b.array();
    }

    static final int USER_OBJ = 0x01;
    static final int USER = 0x02;
    static final int GROUP_OBJ = 0x04;
    static final int MASK = 0x10;
    static final int OTHER = 0x20;
    static final int NO_ID = -1;

    /** user::rwx user:1234:rw- group::r-x mask::rwx other::r-- */
    static byte[] defaultAcl() {
        return acl(new int[] {USER_OBJ, 7, NO_ID}, new int[] {USER, 6, 1234}, new int[] {GROUP_OBJ, 5, NO_ID},
                new int[] {MASK, 7, NO_ID}, new int[] {OTHER, 4, NO_ID});
    }

    /** user::rwx user:1234:rwx group::rwx mask::rwx other::r-x */
    static byte[] accessAcl() {
        return acl(new int[] {USER_OBJ, 7, NO_ID}, new int[] {USER, 7, 1234}, new int[] {GROUP_OBJ, 7, NO_ID},
                new int[] {MASK, 7, NO_ID}, new int[] {OTHER, 5, NO_ID});
    }

    /** An xattr of the host file (any type, never followed), or null if it has none of that name. */
    static byte[] hostXattr(Path p, String name) throws Exception {
        int fd = Syscalls.openat(Fcntl.AT_FDCWD, p.toString().getBytes(StandardCharsets.UTF_8),
                Fcntl.O_PATH | Fcntl.O_NOFOLLOW | Fcntl.O_CLOEXEC, 0);
        assertTrue(fd >= 0, "open " + p);
        try (ProcSelfFd proc = ProcSelfFd.open()) {
            byte[] buf = new byte[65536];
            int n = proc.getxattr(fd, name.getBytes(StandardCharsets.US_ASCII), buf);
            if (n == -ENODATA) {
                return null;
            }
            assertTrue(n >= 0, "getxattr " + name + " of " + p + ": " + n);
            return Arrays.copyOf(buf, n);
        } finally {
            Syscalls.close(fd);
        }
    }

    static int mode(Path p) throws Exception {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    }

    static void chmod(Path p, int mode) throws Exception {
        Files.setAttribute(p, "unix:mode", mode);
    }

    static int flags(Reply init) {
        return init.body().getInt(12);
    }

    static int flags2(Reply init) {
        return init.body().getInt(32);
    }
}
