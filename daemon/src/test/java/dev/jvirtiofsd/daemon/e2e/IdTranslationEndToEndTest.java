package dev.jvirtiofsd.daemon.e2e;

import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.ATTR_GID;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.ATTR_OUT_ATTR;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.ATTR_UID;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.ENTRY_ATTR;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.args;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.fh;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.nodeId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jvirtiofsd.daemon.e2e.FuseTestClient.Args;
import dev.jvirtiofsd.daemon.e2e.FuseTestClient.Reply;
import dev.jvirtiofsd.daemon.sys.ThreadIdentity;
import dev.jvirtiofsd.protocol.InHeader;
import dev.jvirtiofsd.protocol.Opcode;
import dev.jvirtiofsd.protocol.StatxOut;
import dev.jvirtiofsd.vhostuser.frontend.FrontendOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --translate-uid and --translate-gid through the real daemon and a frontend, on the Proxmox
 * setup: a share owned by 200:200 and a guest user 1000:1000. Creates by a guest user land with
 * the translated host ids, every reply carrying attributes shows the guest's ids, SETATTR's owner
 * and the supplementary groups are translated, forbidden guest ids get EPERM, and start-up
 * refuses what cannot work. Each translated result is also checked without the options, so an
 * ignored option fails. Needs root, as the daemon does to create as another user.
 */
class IdTranslationEndToEndTest {
    static final int FLAGS = 0x7bfffffb;
    /** Linux 6.12: SECURITY_CTX, CREATE_SUPP_GROUP, ... */
    static final int FLAGS2 = 0x1ff;
    static final int EPERM = 1;
    static final int EACCES = 13;
    static final int O_RDWR = 2;
    static final int S_IFIFO = 0010000;
    static final int FATTR_UID = 1 << 1;
    static final int FATTR_GID = 1 << 2;
    static final int W_OK = 2;
    static final int R_OK = 4;
    static final String[] PROXMOX = {"--translate-uid", "map:1000:200:1", "--translate-gid", "map:1000:200:1"};

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

    /** A fresh daemon with {@code options} on a share owned by 200:200, mode 0755; INIT as Linux 6.12. */
    void start(String... options) throws Exception {
        stop();
        shared = Files.createDirectories(tmp.resolve("shared" + started));
        own(shared, 200, 200, 0755);
        daemon = RunningDaemon.start(shared, tmp.resolve("vfs" + started++ + ".sock"), FrontendOptions.defaults(),
                options);
        fuse = new FuseTestClient(daemon.frontend);
        OpsSupport.init(fuse, 41, FLAGS, FLAGS2).ok();
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

    // ---- the requester's identity ----

    @Test
    void withoutTranslationTheGuestUserCannotWriteTheShare() throws Exception {
        start();
        as(1000, 1000);
        assertEquals(-EACCES, fuse.mkdir(1, "d", 0755).error());
        assertEquals(-EACCES, fuse.create(1, "f", 0644, O_RDWR).error());
        assertEquals(200, uid(fuse.getattr(1), ATTR_OUT_ATTR), "the guest sees the host's owner");
    }

    @Test
    void aMappedGuestUserCreatesAsTheHostOwnerAndSeesItselfAsOwner() throws Exception {
        start(PROXMOX);
        as(1000, 1000);
        Reply dir = fuse.mkdir(1, "dir", 0755);
        Reply file = fuse.create(1, "file", 0644, O_RDWR);
        Reply fifo = fuse.mknod(1, "fifo", S_IFIFO | 0644);
        Reply link = fuse.symlink(1, "link", "file");
        Reply tmpfile = OpsSupport.tmpfile(fuse, 1, 0600, O_RDWR);
        for (Reply r : new Reply[] {dir, file, fifo, link, tmpfile}) {
            r.ok();
            assertEquals(1000, uid(r, ENTRY_ATTR), "the entry's owner as the guest sees it");
            assertEquals(1000, gid(r, ENTRY_ATTR));
        }
        fuse.link(nodeId(tmpfile), 1, "was-tmpfile").ok();
        for (String name : new String[] {"dir", "file", "fifo", "link", "was-tmpfile"}) {
            assertEquals(200, hostUid(shared.resolve(name)), name);
            assertEquals(200, hostGid(shared.resolve(name)), name);
        }
    }

    @Test
    void guestRootIsTranslatedToo() throws Exception {
        // Without a rule guest root creates as the daemon; squashed it creates as the host user.
        start("--translate-uid", "squash-guest:0:200:1", "--translate-gid", "squash-guest:0:200:1");
        as(0, 0);
        fuse.mkdir(1, "by-root", 0755).ok();
        assertEquals(200, hostUid(shared.resolve("by-root")));
        assertEquals(200, hostGid(shared.resolve("by-root")));
        start();
        as(0, 0);
        fuse.mkdir(1, "by-root", 0755).ok();
        assertEquals(0, hostUid(shared.resolve("by-root")));
    }

    @Test
    void supplementaryGroupsAreTranslated() throws Exception {
        start("--translate-uid", "map:1000:200:1", "--translate-gid", "map:1000:200:1",
                "--translate-gid", "map:1300:300:1");
        Path team = Files.createDirectory(shared.resolve("team"));
        own(team, 0, 300, 0770);
        long dir = nodeId(fuse.lookup(1, "team"));
        as(1000, 1000);
        assertEquals(-EACCES, fuse.mkdir(dir, "alone", 0755).error(), "no group of the team");
        assertEquals(-EACCES, send(Opcode.MKDIR, dir, args().u32(0755).u32(022).name("as-1301"), groups(1301))
                .error(), "guest gid 1301 is host gid 1301, not the team's");
        send(Opcode.MKDIR, dir, args().u32(0755).u32(022).name("as-1300"), groups(7, 1300)).ok();
        assertEquals(200, hostUid(team.resolve("as-1300")));
        assertEquals(200, hostGid(team.resolve("as-1300")), "the creator's primary gid, translated");
    }

    // ---- attributes going out ----

    @Test
    void everyReplyWithAttributesShowsTheGuestsIds() throws Exception {
        start("--translate-uid", "map:1000:200:1", "--translate-gid", "map:1000:200:1",
                "--translate-uid", "squash-host:5000:65534:10", "--translate-gid", "host:7000:3000:1");
        Path hostFile = Files.writeString(shared.resolve("host-file"), "from the host\n");
        own(hostFile, 200, 200, 0644);
        Path others = Files.writeString(shared.resolve("others"), "");
        own(others, 5003, 7000, 0644);
        Path roots = Files.writeString(shared.resolve("roots"), "");
        own(roots, 0, 0, 0644);

        Map<String, int[]> expected = Map.of("host-file", new int[] {1000, 1000}, "others", new int[] {65534, 3000},
                "roots", new int[] {0, 0});
        for (Map.Entry<String, int[]> e : expected.entrySet()) {
            String name = e.getKey();
            int[] ids = e.getValue();
            Reply entry = fuse.lookup(1, name);
            assertEquals(ids[0], uid(entry, ENTRY_ATTR), "LOOKUP " + name);
            assertEquals(ids[1], gid(entry, ENTRY_ATTR), "LOOKUP " + name);
            long node = nodeId(entry);
            Reply attr = fuse.getattr(node);
            assertEquals(ids[0], uid(attr, ATTR_OUT_ATTR), "GETATTR " + name);
            assertEquals(ids[1], gid(attr, ATTR_OUT_ATTR), "GETATTR " + name);
            Reply statx = OpsSupport.statx(fuse, node);
            statx.ok();
            StatxOut sx = new StatxOut().decode(statx.body(), 0);
            assertEquals(ids[0], sx.uid, "STATX " + name);
            assertEquals(ids[1], sx.gid, "STATX " + name);
            // SETATTR answers with the attributes too (here: a mode change only).
            Reply set = fuse.setattr(node, 1, 0, 0, 0, 0, 0, 0, 0640, 0, 0);
            assertEquals(ids[0], uid(set, ATTR_OUT_ATTR), "SETATTR " + name);
        }
        Map<String, int[]> listed = readdirplus(1);
        for (Map.Entry<String, int[]> e : expected.entrySet()) {
            assertEquals(e.getValue()[0], listed.get(e.getKey())[0], "READDIRPLUS " + e.getKey());
            assertEquals(e.getValue()[1], listed.get(e.getKey())[1], "READDIRPLUS " + e.getKey());
        }

        start();
        own(Files.writeString(shared.resolve("host-file"), ""), 200, 200, 0644);
        assertEquals(200, uid(fuse.getattr(1), ATTR_OUT_ATTR), "untranslated, the host's ids");
        assertEquals(200, gid(fuse.lookup(1, "host-file"), ENTRY_ATTR));
        assertEquals(200, readdirplus(1).get("host-file")[0]);
    }

    // ---- SETATTR's owner ----

    @Test
    void chownIsTranslatedToHostIds() throws Exception {
        start(PROXMOX);
        Path f = Files.writeString(shared.resolve("f"), "");
        own(f, 0, 0, 0644);
        long node = nodeId(fuse.lookup(1, "f"));
        Reply r = fuse.setattr(node, FATTR_UID | FATTR_GID, 0, 0, 0, 0, 0, 0, 0, 1000, 1000);
        assertEquals(1000, uid(r, ATTR_OUT_ATTR));
        assertEquals(1000, gid(r, ATTR_OUT_ATTR));
        assertEquals(200, hostUid(f));
        assertEquals(200, hostGid(f));
        // An id no rule covers stays as it is; FATTR_GID alone leaves the owner.
        fuse.setattr(node, FATTR_GID, 0, 0, 0, 0, 0, 0, 0, 0, 4321).ok();
        assertEquals(200, hostUid(f));
        assertEquals(4321, hostGid(f));
        fuse.setattr(node, FATTR_UID, 0, 0, 0, 0, 0, 0, 0, 1234, 0).ok();
        assertEquals(1234, hostUid(f));
        assertEquals(4321, hostGid(f));
    }

    // ---- forbidden guest ids ----

    @Test
    void forbiddenGuestIdsAreRefusedWithEperm() throws Exception {
        start("--translate-uid", "forbid-guest:2000:10", "--translate-gid", "forbid-guest:3000:1");
        Path f = Files.writeString(shared.resolve("f"), "");
        own(f, 0, 0, 0644);
        Path open = Files.createDirectory(shared.resolve("open"));
        own(open, 0, 0, 0777);
        long node = nodeId(fuse.lookup(1, "f"));
        long dir = nodeId(fuse.lookup(1, "open"));

        assertEquals(-EPERM, fuse.setattr(node, FATTR_UID, 0, 0, 0, 0, 0, 0, 0, 2005, 0).error(), "chown");
        assertEquals(-EPERM, fuse.setattr(node, FATTR_GID, 0, 0, 0, 0, 0, 0, 0, 0, 3000).error(), "chgrp");
        // Refused before anything changes: the mode of the same request stays too.
        assertEquals(-EPERM, fuse.setattr(node, 1 | FATTR_UID, 0, 0, 0, 0, 0, 0, 0600, 2000, 0).error());
        assertEquals(0, hostUid(f));
        assertEquals(0, hostGid(f));
        assertEquals(0644, (Integer) Files.getAttribute(f, "unix:mode") & 0777);
        fuse.setattr(node, FATTR_UID, 0, 0, 0, 0, 0, 0, 0, 2010, 0).ok();
        assertEquals(2010, hostUid(f), "past the forbidden range");

        as(2009, 100);
        assertEquals(-EPERM, fuse.mkdir(dir, "by-2009", 0755).error());
        assertEquals(-EPERM, fuse.create(dir, "by-2009", 0644, O_RDWR).error());
        assertEquals(-EPERM, fuse.mknod(dir, "by-2009", S_IFIFO | 0644).error());
        assertEquals(-EPERM, fuse.symlink(dir, "by-2009", "x").error());
        assertEquals(-EPERM, OpsSupport.tmpfile(fuse, dir, 0600, O_RDWR).error());
        as(1999, 3000);
        assertEquals(-EPERM, fuse.mkdir(dir, "in-3000", 0755).error(), "a forbidden primary gid");
        as(1999, 100);
        assertEquals(-EPERM, send(Opcode.MKDIR, dir, args().u32(0755).u32(022).name("with-3000"), groups(5, 3000))
                .error(), "a forbidden supplementary gid");
        try (var created = Files.list(open)) {
            assertEquals(0, created.count(), "nothing was created");
        }
        fuse.mkdir(dir, "by-1999", 0755).ok();
        assertEquals(1999, hostUid(open.resolve("by-1999")));
        // The daemon keeps serving.
        as(0, 0);
        fuse.getattr(node).ok();
    }

    // ---- ACCESS ----

    @Test
    void accessComparesTheOwnerAsTheGuestSeesItWithTheRequester() throws Exception {
        start(PROXMOX);
        long node = privateFile();
        as(1000, 1000);
        assertEquals(0, fuse.access(node, R_OK | W_OK).error());
        as(200, 200);
        assertEquals(-EACCES, fuse.access(node, R_OK).error(), "guest 200 is not the owner the guest sees");
        start();
        node = privateFile();
        as(1000, 1000);
        assertEquals(-EACCES, fuse.access(node, R_OK).error());
    }

    /** A file of host uid 200 (group root), mode 0600; its node. */
    long privateFile() throws Exception {
        own(Files.writeString(shared.resolve("f"), ""), 200, 0, 0600);
        return nodeId(fuse.lookup(1, "f"));
    }

    // ---- start-up ----

    @Test
    void startUpRefusesPosixAclWithTranslationAndOverlappingRanges() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("refused"));
        IllegalArgumentException acl = assertThrows(IllegalArgumentException.class, () -> RunningDaemon.start(dir,
                tmp.resolve("acl.sock"), FrontendOptions.defaults(), "--posix-acl", "--translate-uid", "map:1:2:3"));
        assertTrue(acl.getMessage().contains(
                "error: the argument '--posix-acl' cannot be used with '--translate-uid <TRANSLATE_UID>'"),
                acl.getMessage());
        IllegalStateException overlap = assertThrows(IllegalStateException.class, () -> RunningDaemon.start(dir,
                tmp.resolve("overlap.sock"), FrontendOptions.defaults(), "--translate-gid", "map:1000:200:10",
                "--translate-gid", "guest:1009:7:1"));
        assertEquals("daemon exited at start-up with 1", overlap.getMessage());
        assertFalse(Files.exists(tmp.resolve("overlap.sock")), "refused before the socket is made");
        IllegalStateException overflow = assertThrows(IllegalStateException.class, () -> RunningDaemon.start(dir,
                tmp.resolve("overflow.sock"), FrontendOptions.defaults(), "--translate-uid", "guest:4294967290:0:6"));
        assertEquals("daemon exited at start-up with 1", overflow.getMessage());
    }

    // ---- helpers ----

    static int uid(Reply r, int attrAt) {
        r.ok();
        return r.body().getInt(attrAt + ATTR_UID);
    }

    static int gid(Reply r, int attrAt) {
        r.ok();
        return r.body().getInt(attrAt + ATTR_GID);
    }

    static int hostUid(Path p) throws Exception {
        return (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    static int hostGid(Path p) throws Exception {
        return (Integer) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS);
    }

    static void own(Path p, int uid, int gid, int mode) throws Exception {
        Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:mode", mode, LinkOption.NOFOLLOW_LINKS);
    }

    /** Name to {uid, gid} of every entry READDIRPLUS lists in {@code dir}. */
    Map<String, int[]> readdirplus(long dir) throws Exception {
        long fh = fh(fuse.opendir(dir), 0);
        Map<String, int[]> ids = new HashMap<>();
        long offset = 0;
        while (true) {
            Reply r = fuse.readdir(Opcode.READDIRPLUS, dir, fh, offset, 4096);
            r.ok();
            ByteBuffer b = r.body();
            if (!b.hasRemaining()) {
                break;
            }
            while (b.hasRemaining()) {
                int start = b.position();
                int dirent = start + 128;
                offset = b.getLong(dirent + 8);
                int namelen = b.getInt(dirent + 16);
                byte[] name = new byte[namelen];
                b.get(dirent + 24, name);
                ids.put(new String(name, StandardCharsets.UTF_8),
                        new int[] {b.getInt(start + ENTRY_ATTR + ATTR_UID), b.getInt(start + ENTRY_ATTR + ATTR_GID)});
                b.position(dirent + ((24 + namelen + 7) & ~7));
            }
        }
        fuse.release(Opcode.RELEASEDIR, dir, fh).ok();
        return ids;
    }

    /** Sends a request with {@code extension} after its arguments, total_extlen set. */
    Reply send(int opcode, long node, Args a, byte[] extension) throws TimeoutException {
        a.bytes(extension);
        byte[] request = fuse.encode(opcode, node, a);
        ByteBuffer.wrap(request).order(ByteOrder.LITTLE_ENDIAN).putShort(InHeader.TOTAL_EXTLEN,
                (short) (extension.length / 8));
        return fuse.send(request, 4096);
    }

    /** fuse_ext_header {size, FUSE_EXT_GROUPS} + fuse_supp_groups {nr_groups, groups[]}, padded to 8. */
    static byte[] groups(int... gids) {
        return IdentityEndToEndTest.groupsExtension(gids);
    }
}
