package dev.jvirtiofsd.daemon.e2e;

import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.ATTR_FLAGS;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.ATTR_INO;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.ENTRY_ATTR;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.FUSE_ATTR_SUBMOUNT;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.fh;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.nodeId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jvirtiofsd.daemon.fs.HostMount;
import dev.jvirtiofsd.protocol.Opcode;
import dev.jvirtiofsd.vhostuser.frontend.FrontendOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Filesystems mounted inside the shared directory (tmpfs and an ext4 image, mounted by the test;
 * root only), through the frontend: their roots are announced as submounts, files of two of them
 * with the same inode number are different nodes, and SYNCFS on a node syncs that node's
 * filesystem.
 */
class SubmountEndToEndTest {
    private static final int SUBMOUNTS = 1 << 27;
    private static final int S_IFDIR = 0040000;

    @TempDir
    Path tmp;
    Path shared;
    final List<HostMount> mounts = new ArrayList<>();

    /** The daemon's options beyond the shared dir, socket and sandbox. */
    String[] daemonArgs() {
        return new String[0];
    }

    @BeforeEach
    void share() throws Exception {
        shared = Files.createDirectory(tmp.resolve("shared"));
    }

    @AfterEach
    void unmount() throws Exception {
        for (HostMount m : mounts) {
            m.close();
        }
    }

    private HostMount mount(HostMount m) {
        assumeTrue(m != null, "the test can mount filesystems (root)");
        mounts.add(m);
        return m;
    }

    private RunningDaemon start(String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of(daemonArgs()));
        args.addAll(List.of(extra));
        return RunningDaemon.start(shared, tmp.resolve("vfs.sock"), FrontendOptions.defaults(),
                args.toArray(String[]::new));
    }

    private static int flags(FuseTestClient.Reply entry) {
        entry.ok();
        return entry.body().getInt(ENTRY_ATTR + ATTR_FLAGS);
    }

    private static long ino(FuseTestClient.Reply entry) {
        return entry.body().getLong(ENTRY_ATTR + ATTR_INO);
    }

    private static String read(FuseTestClient fuse, long node) throws Exception {
        long fh = fh(fuse.open(node, 0), 0);
        FuseTestClient.Reply r = fuse.read(node, fh, 0, 100);
        r.ok();
        fuse.release(Opcode.RELEASE, node, fh).ok();
        byte[] data = new byte[r.body().remaining()];
        r.body().get(data);
        return new String(data, StandardCharsets.UTF_8);
    }

    @Test
    void twoTmpfsRootsAreSubmountsAndTheirEqualInodeNumbersAreDifferentNodes() throws Exception {
        Path a = Files.createDirectory(shared.resolve("a"));
        Path b = Files.createDirectory(shared.resolve("b"));
        Files.createDirectory(shared.resolve("plain"));
        mount(HostMount.tmpfs(a));
        mount(HostMount.tmpfs(b));
        Files.writeString(a.resolve("f"), "in a");
        Files.writeString(b.resolve("f"), "in b");
        long hostIno = (Long) Files.getAttribute(a.resolve("f"), "unix:ino");
        assumeTrue(hostIno == (Long) Files.getAttribute(b.resolve("f"), "unix:ino"),
                "two fresh tmpfs number their first files alike");
        try (RunningDaemon daemon = start()) {
            FuseTestClient fuse = new FuseTestClient(daemon.frontend);
            FuseTestClient.Reply init = fuse.init();
            init.ok();
            assertEquals(SUBMOUNTS, init.body().getInt(12) & SUBMOUNTS, "SUBMOUNTS offered (on by default)");

            FuseTestClient.Reply rootA = fuse.lookup(1, "a");
            FuseTestClient.Reply rootB = fuse.lookup(1, "b");
            assertEquals(FUSE_ATTR_SUBMOUNT, flags(rootA) & FUSE_ATTR_SUBMOUNT, "a tmpfs root is a submount");
            assertEquals(FUSE_ATTR_SUBMOUNT, flags(rootB) & FUSE_ATTR_SUBMOUNT);
            assertEquals(0, flags(fuse.lookup(1, "plain")), "a directory of the share's own filesystem is not");
            assertEquals(ino(rootA), ino(rootB), "both roots have the same inode number on the host");
            assertNotEquals(nodeId(rootA), nodeId(rootB), "but are different nodes");
            assertEquals(nodeId(rootA), nodeId(fuse.lookup(1, "a")), "and keep their nodes");

            FuseTestClient.Reply fa = fuse.lookup(nodeId(rootA), "f");
            FuseTestClient.Reply fb = fuse.lookup(nodeId(rootB), "f");
            assertEquals(hostIno, ino(fa));
            assertEquals(hostIno, ino(fb));
            assertNotEquals(nodeId(fa), nodeId(fb), "(st_dev, st_ino, mnt_id) tells them apart");
            assertEquals(0, flags(fa), "files are never submounts");
            assertEquals("in a", read(fuse, nodeId(fa)));
            assertEquals("in b", read(fuse, nodeId(fb)));
            assertEquals(1, nodeId(fuse.lookup(nodeId(rootA), "..")), "'..' of a submount's root is the share");
        }
    }

    @Test
    void noAnnounceSubmountsNeitherOffersNorMarks() throws Exception {
        Path a = Files.createDirectory(shared.resolve("a"));
        mount(HostMount.tmpfs(a));
        try (RunningDaemon daemon = start("--no-announce-submounts")) {
            FuseTestClient fuse = new FuseTestClient(daemon.frontend);
            FuseTestClient.Reply init = fuse.init();
            init.ok();
            assertEquals(0, init.body().getInt(12) & SUBMOUNTS, "SUBMOUNTS not offered");
            assertEquals(0, flags(fuse.lookup(1, "a")), "no FUSE_ATTR_SUBMOUNT");
        }
    }

    /**
     * What a sync of the ext4 image shows: its delayed-allocation blocks (data written but not yet
     * given blocks on disk) go to 0. That the share's own filesystem was not synced instead is not
     * shown: any process on the host may call sync(2) meanwhile. So this test fails when SYNCFS
     * does not reach the node's filesystem, but cannot tell whether it reached others as well.
     */
    @Test
    void syncfsOnANodeSyncsThatNodesFilesystem() throws Exception {
        Path point = Files.createDirectory(shared.resolve("ext4"));
        HostMount ext4 = mount(HostMount.ext4(tmp.resolve("ext4.img"), point));
        Path delayed = Path.of("/sys/fs/ext4", ext4.source().replaceFirst("^/dev/", ""), "delayed_allocation_blocks");
        assumeTrue(Files.isReadable(delayed), "ext4 reports its delayed allocation (" + delayed + ")");
        try (RunningDaemon daemon = start()) {
            FuseTestClient fuse = new FuseTestClient(daemon.frontend);
            fuse.init().ok();
            FuseTestClient.Reply root = fuse.lookup(1, "ext4");
            assertEquals(FUSE_ATTR_SUBMOUNT, flags(root) & FUSE_ATTR_SUBMOUNT);
            long dir = nodeId(fuse.mkdir(nodeId(root), "d", S_IFDIR | 0755));
            Files.write(point.resolve("d/data"), new byte[1 << 20]);
            long pending = Long.parseLong(Files.readString(delayed).strip());
            assumeTrue(pending > 0, "the 1 MiB just written waits for its blocks (" + pending + ")");
            fuse.syncfs(dir).ok();
            assertEquals(0, Long.parseLong(Files.readString(delayed).strip()), "synced: every block allocated");
            assertTrue(Files.size(point.resolve("d/data")) > 0);
        }
    }
}
