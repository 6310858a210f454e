package dev.jvirtiofsd.daemon.e2e;

import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.ENTRY_ATTR;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.ATTR_NLINK;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.fh;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.nodeId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jvirtiofsd.daemon.fs.HostMount;
import dev.jvirtiofsd.protocol.Opcode;
import dev.jvirtiofsd.vhostuser.frontend.FrontendOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --inode-file-handles} through the frontend, with the daemon in this JVM so that its fds
 * can be counted: inodes held by handle keep no fd, a file keeps its node across lookups and
 * links, and start-up checks that handles work (mandatory fails, prefer falls back).
 */
class FileHandlesEndToEndTest {
    private static final int S_IFREG = 0100000;
    private static final int O_RDWR = 2;
    private static final int FILES = 500;

    @TempDir
    Path tmp;

    private RunningDaemon start(Path shared, String... args) throws Exception {
        RunningDaemon daemon = RunningDaemon.start(shared, tmp.resolve("vfs.sock"), FrontendOptions.defaults(), args);
        new FuseTestClient(daemon.frontend).init().ok();
        return daemon;
    }

    /** Looks up {@link #FILES} files and returns how many more fds on the share the daemon has then. */
    private int fdsTakenByLookups(String mode) throws Exception {
        Path shared = Files.createDirectory(tmp.resolve("shared-" + mode));
        for (int i = 0; i < FILES; i++) {
            Files.writeString(shared.resolve("f" + i), "");
        }
        try (RunningDaemon daemon = start(shared, "--inode-file-handles=" + mode)) {
            FuseTestClient fuse = new FuseTestClient(daemon.frontend);
            int before = OpsSupport.fdsBelow(shared);
            long[] nodes = new long[FILES];
            for (int i = 0; i < FILES; i++) {
                nodes[i] = nodeId(fuse.lookup(1, "f" + i));
            }
            int taken = OpsSupport.fdsBelow(shared) - before;
            long[] ones = new long[FILES];
            Arrays.fill(ones, 1);
            fuse.batchForget(nodes, ones);
            fuse.getattr(1).ok(); // after the BATCH_FORGET, which has no reply
            assertEquals(before, OpsSupport.fdsBelow(shared), mode + ": every fd taken was given back");
            return taken;
        }
    }

    @Test
    void inodesHeldByHandleKeepNoFdOpen() throws Exception {
        int withHandles = fdsTakenByLookups("mandatory");
        assertTrue(withHandles <= 1, FILES + " inodes by handle: " + withHandles + " fds (at most the mount's)");
        int withoutHandles = fdsTakenByLookups("never");
        assertTrue(withoutHandles >= FILES, FILES + " inodes by O_PATH fd: " + withoutHandles + " fds");
    }

    @Test
    void aFileKeepsItsNodeAcrossLookupsAndLinksAndOpenFilesHoldTheirFd() throws Exception {
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        try (RunningDaemon daemon = start(shared, "--inode-file-handles=mandatory")) {
            FuseTestClient fuse = new FuseTestClient(daemon.frontend);
            FuseTestClient.Reply c = fuse.create(1, "a", S_IFREG | 0644, O_RDWR);
            long node = nodeId(c);
            long fh = fh(c, 128);
            assertEquals(node, nodeId(fuse.lookup(1, "a")));
            FuseTestClient.Reply link = fuse.link(node, 1, "b");
            assertEquals(node, nodeId(link), "LINK answers the same node");
            assertEquals(2, link.body().getInt(ENTRY_ATTR + ATTR_NLINK));
            assertEquals(node, nodeId(fuse.lookup(1, "b")));
            assertEquals(1, OpsSupport.fdsBelow(shared), "only the open file's fd");
            fuse.write(node, fh, 0, "data".getBytes(StandardCharsets.UTF_8)).ok();
            fuse.unlink(Opcode.UNLINK, 1, "a").ok();
            fuse.unlink(Opcode.UNLINK, 1, "b").ok();
            FuseTestClient.Reply attr = fuse.getattr(node);
            attr.ok();
            assertEquals(0, attr.body().getInt(FuseTestClient.ATTR_OUT_ATTR + ATTR_NLINK), "open, unlinked");
            fuse.release(Opcode.RELEASE, node, fh).ok();
            assertEquals(-116, fuse.getattr(node).error(), "ESTALE: nothing holds the deleted file any more");
            assertEquals(0, OpsSupport.fdsBelow(shared));
        }
    }

    @Test
    void mandatoryFailsAtStartUpWhereTheShareHasNoHandlesAndPreferFallsBack() throws Exception {
        Path shared = Files.createDirectory(tmp.resolve("ramfs"));
        try (HostMount ramfs = HostMount.ramfs(shared)) {
            assumeTrue(ramfs != null, "a ramfs (a filesystem without file handles) can be mounted here (root)");
            Files.writeString(shared.resolve("f"), "on ramfs");
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> RunningDaemon.start(shared, tmp.resolve("vfs.sock"), FrontendOptions.defaults(),
                            "--inode-file-handles=mandatory"));
            assertTrue(refused.getMessage().contains("exited at start-up with 1"), refused.getMessage());
            try (RunningDaemon daemon = start(shared, "--inode-file-handles=prefer")) {
                FuseTestClient fuse = new FuseTestClient(daemon.frontend);
                long f = nodeId(fuse.lookup(1, "f"));
                assertEquals(1, OpsSupport.fdsBelow(shared), "prefer: served, the inode held by its O_PATH fd");
                fuse.getattr(f).ok();
            }
        }
    }

    @Test
    void droppingDacReadSearchWhileHandlesNeedItEndsStartUp() throws Exception {
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        for (String mode : new String[] {"prefer", "mandatory", "fallback"}) {
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> RunningDaemon.start(shared, tmp.resolve("vfs.sock"), FrontendOptions.defaults(),
                            "--inode-file-handles=" + mode, "--modcaps=-dac_read_search"));
            assertTrue(refused.getMessage().contains("exited at start-up with 1"), mode + ": " + refused.getMessage());
        }
        try (RunningDaemon daemon = start(shared, "--inode-file-handles=never", "--modcaps=-dac_read_search")) {
            new FuseTestClient(daemon.frontend).lookup(1, ".").ok();
        }
    }

    @Test
    void aDeletedFilesInodeNumberGivenToANewFileMakesANewNode() throws Exception {
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        try (RunningDaemon daemon = start(shared, "--inode-file-handles=mandatory")) {
            FuseTestClient fuse = new FuseTestClient(daemon.frontend);
            Path old = Files.writeString(shared.resolve("old"), "old");
            long ino = (Long) Files.getAttribute(old, "unix:ino");
            long oldNode = nodeId(fuse.lookup(1, "old"));
            Files.delete(old);
            String reused = null;
            for (int i = 0; i < 200 && reused == null; i++) {
                Path candidate = Files.writeString(shared.resolve("new" + i), "new!");
                if ((Long) Files.getAttribute(candidate, "unix:ino") == ino) {
                    reused = candidate.getFileName().toString();
                } else {
                    Files.delete(candidate);
                }
            }
            assumeTrue(reused != null, "the filesystem gave inode number " + ino + " to a new file");
            FuseTestClient.Reply entry = fuse.lookup(1, reused);
            assertEquals(ino, entry.body().getLong(ENTRY_ATTR + FuseTestClient.ATTR_INO));
            assertNotEquals(oldNode, nodeId(entry), "the handle's generation tells the files apart");
            assertEquals(4, fuse.getattr(nodeId(entry)).body().getLong(FuseTestClient.ATTR_OUT_ATTR
                    + FuseTestClient.ATTR_SIZE));
            assertEquals(-116, fuse.getattr(oldNode).error(), "ESTALE for the old node");
        }
    }
}
