package dev.jvirtiofsd.daemon.e2e;

import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.args;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.fh;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.nodeId;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jvirtiofsd.daemon.e2e.FuseTestClient.Reply;
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
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --xattrmap through the frontend: names from the guest land on the host under their mapped
 * names, listings map back and hide what the rules hide, refusals have the Rust virtiofsd's
 * errnos, security contexts are mapped too, and a renamed security.capability is dropped where
 * the kernel would drop the real one. The host side is read with plain xattr calls.
 */
class XattrMapEndToEndTest {
    static final int EPERM = 1;
    static final int EEXIST = 17;
    static final int ERANGE = 34;
    static final int ENODATA = 61;
    static final int ENOSYS = 38;
    static final int EOPNOTSUPP = 95;
    static final int S_IFDIR = 0040000;
    static final int S_IFIFO = 0010000;
    static final int O_RDWR = 2;
    static final int O_TRUNC = 01000;
    static final int XATTR_CREATE = 1;
    static final int XATTR_REPLACE = 2;
    static final int FATTR_UID = 2;
    static final int FATTR_SIZE = 8;
    static final String CAPABILITY = "user.virtiofs.security.capability";

    @TempDir
    Path tmp;
    Path shared;
    RunningDaemon daemon;
    FuseTestClient fuse;
    private int started;

    @BeforeEach
    void needRoot() {
        assumeTrue(ThreadIdentity.effectiveUid() == 0, "trusted.* and security.* on the host need root");
    }

    /** A fresh daemon with {@code options} (no --xattr: --xattrmap implies it), after INIT. */
    void start(String... options) throws Exception {
        stop();
        shared = Files.createDirectories(tmp.resolve("shared" + started));
        daemon = RunningDaemon.start(shared, tmp.resolve("vfs" + started++ + ".sock"), FrontendOptions.defaults(),
                options);
        fuse = new FuseTestClient(daemon.frontend);
        OpsSupport.init(fuse, 38, IdentityEndToEndTest.LINUX_FLAGS, IdentityEndToEndTest.LINUX_6_12_FLAGS2).ok();
    }

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.close();
            daemon = null;
        }
    }

    @Test
    void everyGuestNameLandsUnderTheMappedPrefixAndMapsBack() throws Exception {
        start("--xattrmap=:map::user.virtiofs.:");
        Path file = Files.writeString(shared.resolve("file"), "x");
        hostSet(file, "user.plain", "the host's own");
        hostSet(file, "user.virtiofs.trusted.t", "set as the guest's trusted.t");
        long node = nodeId(fuse.lookup(1, "file"));

        fuse.setxattr(node, "user.foo", bytes("bar"), 0).ok();
        assertEquals("bar", hostGet(file, "user.virtiofs.user.foo"), "on the host under the mapped name");
        assertNull(hostGet(file, "user.foo"), "not under the guest's name");
        assertEquals("bar", value(fuse.getxattr(node, "user.foo", 64)));
        assertEquals(3, fuse.getxattr(node, "user.foo", 0).body().getInt(0), "size probe");
        assertEquals("set as the guest's trusted.t", value(fuse.getxattr(node, "trusted.t", 64)));
        assertEquals(-ENODATA, fuse.getxattr(node, "user.plain", 64).error(), "the host's own name is out of reach");

        assertEquals(List.of("trusted.t", "user.foo"), guestList(node));
        Reply probe = fuse.listxattr(node, 0);
        probe.ok();
        assertEquals(hostListLength(file), probe.body().getInt(0), "size probe: the host's list, as Rust answers");
        assertEquals(-ERANGE, fuse.listxattr(node, 10).error(), "room for less than the mapped list");

        fuse.removexattr(node, "user.foo").ok();
        assertNull(hostGet(file, "user.virtiofs.user.foo"));
        assertEquals(-ENODATA, fuse.removexattr(node, "user.plain").error());
        assertEquals("the host's own", hostGet(file, "user.plain"), "untouched");
        assertEquals(List.of("trusted.t"), guestList(node));

        // A directory, and a fifo: its mapped user.* name is refused by the host kernel itself.
        long dir = nodeId(fuse.mkdir(1, "dir", S_IFDIR | 0755));
        fuse.setxattr(dir, "trusted.d", bytes("dv"), 0).ok();
        assertEquals("dv", hostGet(shared.resolve("dir"), "user.virtiofs.trusted.d"));
        long fifo = nodeId(fuse.mknod(1, "fifo", S_IFIFO | 0644));
        assertEquals(-EPERM, fuse.setxattr(fifo, "trusted.f", bytes("1"), 0).error());
    }

    @Test
    void aNameThatIsTooLongOnceMappedIsErange() throws Exception {
        start("--xattrmap=:map::user.virtiofs.:");
        Path file = Files.writeString(shared.resolve("file"), "x");
        long node = nodeId(fuse.lookup(1, "file"));
        String longest = "user." + "n".repeat(255 - "user.virtiofs.".length() - "user.".length());
        fuse.setxattr(node, longest, bytes("v"), 0).ok();
        assertEquals("v", hostGet(file, "user.virtiofs." + longest));
        assertEquals(-ERANGE, fuse.setxattr(node, longest + "n", bytes("v"), 0).error());
        assertEquals(-ERANGE, fuse.getxattr(node, longest + "n", 64).error());
        assertEquals(-ERANGE, fuse.removexattr(node, longest + "n").error());
        assertEquals(-EOPNOTSUPP, fuse.setxattr(node, "", bytes("v"), 0).error(),
                "empty: a prefix of the ACL names, refused as in the Rust virtiofsd, never mapped");
    }

    @Test
    void aKeyedMapHidesTheHostsOwnNamesAndGuardsItsTarget() throws Exception {
        start("--xattrmap=/map/trusted./user.virtiofs./");
        Path file = Files.writeString(shared.resolve("file"), "x");
        hostSet(file, "trusted.host", "overlayfs-like metadata of the host");
        hostSet(file, "user.virtiofs.trusted.guest", "g");
        hostSet(file, "user.shared", "s");
        long node = nodeId(fuse.lookup(1, "file"));

        fuse.setxattr(node, "trusted.mine", bytes("m"), 0).ok();
        assertEquals("m", hostGet(file, "user.virtiofs.trusted.mine"));
        assertNull(hostGet(file, "trusted.mine"));
        fuse.setxattr(node, "user.other", bytes("o"), 0).ok();
        assertEquals("o", hostGet(file, "user.other"), "other names pass unchanged");

        assertEquals(-EPERM, fuse.setxattr(node, "user.virtiofs.trusted.guest", bytes("forged"), 0).error());
        assertEquals(-EPERM, fuse.removexattr(node, "user.virtiofs.trusted.guest").error());
        assertEquals(-ENODATA, fuse.getxattr(node, "user.virtiofs.trusted.guest", 64).error(),
                "GETXATTR of a bad name is ENODATA, not EPERM");
        assertEquals(-ENODATA, fuse.getxattr(node, "user.virtiofs.trusted.guest", 0).error());
        assertEquals("g", hostGet(file, "user.virtiofs.trusted.guest"), "untouched");

        assertEquals(List.of("trusted.guest", "trusted.mine", "user.other", "user.shared"), guestList(node));
        assertEquals("overlayfs-like metadata of the host", hostGet(file, "trusted.host"));
    }

    @Test
    void theLegacyFormHidesSecurityAttributesAndBadIsEpermButEnodataForGetxattr() throws Exception {
        start("-o", "xattrmap=/bad/all/security./security./\n  /ok/all///");
        Path file = Files.writeString(shared.resolve("file"), "x");
        hostSet(file, "security.jvirtiofsd_test", "a host label");
        hostSet(file, "user.visible", "v");
        long node = nodeId(fuse.lookup(1, "file"));
        assertEquals(List.of("user.visible"), guestList(node));
        assertEquals(-EPERM, fuse.setxattr(node, "security.jvirtiofsd_test", bytes("x"), 0).error());
        assertEquals(-EPERM, fuse.removexattr(node, "security.jvirtiofsd_test").error());
        assertEquals(-ENODATA, fuse.getxattr(node, "security.jvirtiofsd_test", 64).error());
        assertEquals("a host label", hostGet(file, "security.jvirtiofsd_test"));
        fuse.setxattr(node, "user.a", bytes("1"), 0).ok();
        assertEquals("1", hostGet(file, "user.a"));
    }

    @Test
    void unsupportedAndUnmatchedNamesAreEopnotsupp() throws Exception {
        start("--xattrmap=:unsupported:all:user.secret.:user.secret.: :ok:client:user.:: :ok:client:security.::"
                + " :ok:server::user.:");
        Path file = Files.writeString(shared.resolve("file"), "x");
        hostSet(file, "user.secret.k", "hidden");
        hostSet(file, "trusted.t", "no server rule matches it");
        hostSet(file, "user.open", "o");
        long node = nodeId(fuse.lookup(1, "file"));
        assertEquals(-EOPNOTSUPP, fuse.setxattr(node, "user.secret.k", bytes("x"), 0).error());
        assertEquals(-EOPNOTSUPP, fuse.getxattr(node, "user.secret.k", 64).error(), "only bad becomes ENODATA");
        assertEquals(-EOPNOTSUPP, fuse.removexattr(node, "user.secret.k").error());
        assertEquals(-EOPNOTSUPP, fuse.setxattr(node, "trusted.t", bytes("x"), 0).error(), "no rule: refused");
        assertEquals(List.of("user.open"), guestList(node));
        assertEquals("o", value(fuse.getxattr(node, "user.open", 64)), "the daemon keeps serving");
    }

    @Test
    void securityContextsAreStoredUnderTheMappedName() throws Exception {
        start("--security-label", "--modcaps=+sys_admin", "--xattrmap=:map:security.selinux:trusted.virtiofs.:");
        byte[] label = "system_u:object_r:test_t:s0\0".getBytes(StandardCharsets.US_ASCII);
        byte[] ext = IdentityEndToEndTest.secctxExtension("security.selinux", label);
        send(Opcode.MKDIR, 1, args().u32(0755).u32(022).name("dir"), ext).ok();
        send(Opcode.CREATE, 1, args().u32(O_RDWR).u32(0644).u32(022).u32(0).name("file"), ext).ok();
        for (String name : new String[] {"dir", "file"}) {
            Path p = shared.resolve(name);
            assertArrayEquals(label, IdentityEndToEndTest.hostXattr(p, "trusted.virtiofs.security.selinux"), name);
            assertNull(IdentityEndToEndTest.hostXattr(p, "security.selinux"), name + ": the host's label untouched");
            long node = nodeId(fuse.lookup(1, name));
            Reply got = fuse.getxattr(node, "security.selinux", 64);
            got.ok();
            assertArrayEquals(label, bodyBytes(got), name + " read back under the guest's name");
            assertTrue(guestList(node).contains("security.selinux"), name);
        }
        // A map that refuses the context's name: the node is removed again, the refusal returned.
        start("--security-label", "--xattrmap=/bad/client/security.// /ok/all///");
        assertEquals(-EPERM, send(Opcode.MKDIR, 1, args().u32(0755).u32(022).name("unlabelled"), ext).error());
        assertFalse(Files.exists(shared.resolve("unlabelled")));
        assertEquals(-EPERM, send(Opcode.CREATE, 1, args().u32(O_RDWR).u32(0644).u32(022).u32(0).name("u2"), ext)
                .error());
        assertFalse(Files.exists(shared.resolve("u2")));
    }

    @Test
    void aRenamedCapabilityIsDroppedByWriteTruncateChownTruncatingOpenAndSetxattr() throws Exception {
        start("--xattrmap=:map::user.virtiofs.:");
        byte[] caps = {1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

        long w = capableFile("written", caps);
        long fh = fh(fuse.open(w, O_RDWR), 0);
        fuse.read(w, fh, 0, 1).ok();
        assertArrayEquals(caps, IdentityEndToEndTest.hostXattr(shared.resolve("written"), CAPABILITY),
                "a read and an open without O_TRUNC keep it");
        fuse.write(w, fh, 0, bytes("y")).ok();
        assertNull(IdentityEndToEndTest.hostXattr(shared.resolve("written"), CAPABILITY), "write");

        long t = capableFile("truncated", caps);
        fuse.setattr(t, FATTR_SIZE, 0, 0, 0, 0, 0, 0, 0, 0, 0).ok();
        assertNull(IdentityEndToEndTest.hostXattr(shared.resolve("truncated"), CAPABILITY), "truncate");

        long c = capableFile("chowned", caps);
        fuse.setattr(c, FATTR_UID, 0, 0, 0, 0, 0, 0, 0, 1000, 0).ok();
        assertNull(IdentityEndToEndTest.hostXattr(shared.resolve("chowned"), CAPABILITY), "chown");

        long o = capableFile("opened", caps);
        fuse.open(o, O_RDWR | O_TRUNC).ok();
        assertNull(IdentityEndToEndTest.hostXattr(shared.resolve("opened"), CAPABILITY), "open O_TRUNC");

        long s = capableFile("set", caps);
        fuse.setxattr(s, "user.other", bytes("1"), 0).ok();
        assertNull(IdentityEndToEndTest.hostXattr(shared.resolve("set"), CAPABILITY), "setxattr of another name");

        // Setting the capabilities themselves replaces them (XATTR_CREATE sees them, XATTR_REPLACE works).
        long r = capableFile("replaced", caps);
        assertEquals(-EEXIST, fuse.setxattr(r, "security.capability", caps, XATTR_CREATE).error());
        byte[] other = caps.clone();
        other[4] = 7;
        fuse.setxattr(r, "security.capability", other, XATTR_REPLACE).ok();
        assertArrayEquals(other, IdentityEndToEndTest.hostXattr(shared.resolve("replaced"), CAPABILITY));

        // A symlink's owner changes although user.* cannot be removed from it.
        Files.createSymbolicLink(shared.resolve("link"), Path.of("written"));
        long link = nodeId(fuse.lookup(1, "link"));
        fuse.setattr(link, FATTR_UID, 0, 0, 0, 0, 0, 0, 0, 1000, 0).ok();
        assertEquals(1000, Files.getAttribute(shared.resolve("link"), "unix:uid", LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void withoutARenamingMapTheDaemonLeavesThatAttributeAlone() throws Exception {
        for (String[] options : new String[][] {{"--xattr"}, {"--xattrmap=:map:security.selinux:trusted.virtiofs.:"}}) {
            start(options);
            Path file = Files.writeString(shared.resolve("file"), "x");
            hostSet(file, CAPABILITY, "just a user attribute here");
            long node = nodeId(fuse.lookup(1, "file"));
            long fh = fh(fuse.open(node, O_RDWR | O_TRUNC), 0);
            fuse.write(node, fh, 0, bytes("y")).ok();
            fuse.setattr(node, FATTR_SIZE, 0, 0, 0, 0, 0, 0, 0, 0, 0).ok();
            assertEquals("just a user attribute here", hostGet(file, CAPABILITY), String.join(" ", options));
        }
    }

    @Test
    void xattrmapImpliesXattrAndMalformedMapsDoNotStart() throws Exception {
        start();
        Files.writeString(shared.resolve("file"), "x");
        assertEquals(-ENOSYS, fuse.setxattr(nodeId(fuse.lookup(1, "file")), "user.a", bytes("1"), 0).error());
        start("--xattrmap=:ok:all:::", "-o", "no_xattr");
        Files.writeString(shared.resolve("file"), "x");
        fuse.setxattr(nodeId(fuse.lookup(1, "file")), "user.a", bytes("1"), 0).ok();

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RunningDaemon.start(shared,
                tmp.resolve("never.sock"), FrontendOptions.defaults(), "--xattrmap=:ok:all::: :bad:everywhere:::"));
        assertTrue(e.getMessage().contains("rule 2 at character 17: invalid scope 'everywhere'"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("never.sock")));

        // Parsed, but without a rule for security.capability the daemon cannot start (Rust panics there).
        IllegalStateException noCapabilityRule = assertThrows(IllegalStateException.class, () -> RunningDaemon.start(
                shared, tmp.resolve("never.sock"), FrontendOptions.defaults(), "--xattrmap=:ok:client:user.::"));
        assertTrue(noCapabilityRule.getMessage().contains("exited at start-up with 1"), noCapabilityRule.getMessage());
    }

    // ---- helpers ----

    /** A regular file whose (renamed) capabilities the guest set; returns its node. */
    private long capableFile(String name, byte[] caps) throws Exception {
        Files.writeString(shared.resolve(name), "content");
        long node = nodeId(fuse.lookup(1, name));
        fuse.setxattr(node, "security.capability", caps, 0).ok();
        assertArrayEquals(caps, IdentityEndToEndTest.hostXattr(shared.resolve(name), CAPABILITY), name);
        assertNull(IdentityEndToEndTest.hostXattr(shared.resolve(name), "security.capability"), name);
        return node;
    }

    /** Sends a request with {@code extension} after its arguments, total_extlen set. */
    private Reply send(int opcode, long node, FuseTestClient.Args a, byte[] extension) throws Exception {
        a.bytes(extension);
        byte[] request = fuse.encode(opcode, node, a);
        ByteBuffer.wrap(request).order(ByteOrder.LITTLE_ENDIAN).putShort(InHeader.TOTAL_EXTLEN,
                (short) (extension.length / 8));
        return fuse.send(request, 4096);
    }

    /** The guest's listing, names in the daemon's order. */
    private List<String> guestList(long node) throws Exception {
        Reply r = fuse.listxattr(node, 4096);
        r.ok();
        List<String> names = new ArrayList<>();
        byte[] all = bodyBytes(r);
        int start = 0;
        for (int i = 0; i < all.length; i++) {
            if (all[i] == 0) {
                names.add(new String(all, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        assertEquals(all.length, start, "every name NUL-terminated");
        names.sort(null);
        return names;
    }

    private static byte[] bodyBytes(Reply r) {
        byte[] b = new byte[r.body().remaining()];
        r.body().duplicate().get(b);
        return b;
    }

    private static String value(Reply r) {
        r.ok();
        return new String(bodyBytes(r), StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void hostSet(Path p, String name, String value) {
        assertEquals(0, Syscalls.setxattr(bytes(p.toString()), bytes(name), bytes(value), 0), "host setxattr " + name);
    }

    private static String hostGet(Path p, String name) throws Exception {
        byte[] v = IdentityEndToEndTest.hostXattr(p, name);
        return v == null ? null : new String(v, StandardCharsets.UTF_8);
    }

    private static int hostListLength(Path p) {
        int n = Syscalls.listxattr(bytes(p.toString()), null);
        assertTrue(n >= 0, "host listxattr: " + n);
        return n;
    }
}
