package dev.jvirtiofsd.daemon.fs;

import static dev.jvirtiofsd.daemon.fs.FsFixture.ROOT;
import static dev.jvirtiofsd.daemon.fs.FsFixture.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.jvirtiofsd.daemon.sys.CapabilityCalls;
import dev.jvirtiofsd.daemon.sys.Errno;
import dev.jvirtiofsd.daemon.sys.Fcntl;
import dev.jvirtiofsd.daemon.sys.ProcSelfFd;
import dev.jvirtiofsd.daemon.sys.ProcessCalls;

/**
 * Inodes held as file handles ({@code --inode-file-handles}) on the temporary directory's
 * filesystem (ext4 or tmpfs here, both give handles; the tests run as root, which has
 * CAP_DAC_READ_SEARCH).
 */
class FileHandlesTest {
    private static final int CAP_DAC_READ_SEARCH = 2;
    private static final int CAP_SYS_ADMIN = 21;

    private FsFixture f;

    @BeforeEach
    void start() throws IOException {
        f = FsFixture.create(b -> b.inodeFileHandles(InodeFileHandles.MANDATORY));
        assumeTrue(PassthroughFs.probeFileHandles(f.shared, ProcSelfFd.DEFAULT_PATH) == null,
                "file handles work on the temporary directory's filesystem");
    }

    @AfterEach
    void stop() throws IOException {
        f.close();
    }

    @Test
    void aSecondLookupAndAHardLinkGiveTheSameNode() throws IOException {
        Files.writeString(f.shared.resolve("a"), "data");
        Files.createLink(f.shared.resolve("b"), f.shared.resolve("a"));
        long first = f.lookup(ROOT, "a").nodeId;
        assertTrue(f.fs.heldByHandle(first));
        assertEquals(first, f.lookup(ROOT, "a").nodeId, "a second lookup");
        assertEquals(first, f.lookup(ROOT, "b").nodeId, "a hard link");
        assertEquals(3, f.fs.lookupCount(first));
        long dir = f.mkdir(ROOT, "d", 0755).nodeId;
        assertEquals(dir, f.lookup(dir, ".").nodeId);
        assertEquals(ROOT, f.lookup(dir, "..").nodeId, "'..' of a handle inode finds the root, held by fd");
        assertFalse(f.fs.heldByHandle(ROOT), "the root keeps its fd");
    }

    @Test
    void lookedUpInodesHoldNoFdAndForgetHasNothingToClose() throws IOException {
        int n = 300;
        for (int i = 0; i < n; i++) {
            Files.writeString(f.shared.resolve("f" + i), "");
        }
        long before = FsFixture.openFdCount();
        List<Long> nodes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            nodes.add(f.lookup(ROOT, "f" + i).nodeId);
        }
        long during = FsFixture.openFdCount();
        assertTrue(during - before < 10, n + " inodes by handle took " + (during - before) + " fds");
        assertEquals(1, f.fs.mountFdCount(), "one fd for the mount");
        for (long node : nodes) {
            f.fs.forget(node, 1);
        }
        assertEquals(1, f.fs.inodeCount(), "only the root is left");
        assertEquals(0, f.fs.mountFdCount(), "the mount fd goes with the last inode on the mount");
        assertTrue(FsFixture.openFdCount() <= during, "forgetting closes nothing but the mount fd");

        try (FsFixture byFd = FsFixture.create()) {
            for (int i = 0; i < n; i++) {
                Files.writeString(byFd.shared.resolve("f" + i), "");
            }
            long start = FsFixture.openFdCount();
            for (int i = 0; i < n; i++) {
                byFd.lookup(ROOT, "f" + i);
            }
            assertTrue(FsFixture.openFdCount() - start >= n, "without handles every inode holds an fd");
        }
    }

    @Test
    void aNewFileOnTheInodeNumberOfADeletedOneIsANewNode() throws IOException {
        Path old = Files.writeString(f.shared.resolve("old"), "old");
        long oldIno = FsFixture.unixLong(old, "ino");
        long oldNode = f.lookup(ROOT, "old").nodeId; // still looked up: the guest holds it
        Files.delete(old);
        Path reused = null;
        for (int i = 0; i < 200 && reused == null; i++) {
            Path candidate = Files.writeString(f.shared.resolve("new" + i), "new");
            if (FsFixture.unixLong(candidate, "ino") == oldIno) {
                reused = candidate;
            } else {
                Files.delete(candidate);
            }
        }
        assumeTrue(reused != null, "the filesystem gave inode number " + oldIno + " to a new file");
        Entry fresh = f.lookup(ROOT, reused.getFileName().toString());
        assertEquals(oldIno, fresh.attr.ino);
        assertNotEquals(oldNode, fresh.nodeId, "same (st_dev, st_ino), other generation: another node");
        assertEquals(-Errno.ESTALE, f.fs.getattr(f.ctx, oldNode, -1, new Attr()), "the old node's file is gone");
        assertEquals(3, f.getattr(fresh.nodeId).size);
    }

    @Test
    void anOpenFileStaysUsableAfterUnlinkAndIsStaleOnceReleased() throws IOException {
        long[] created = f.create(ROOT, "f", 0100644);
        assertEquals(0, f.fs.unlink(f.ctx, ROOT, b("f")));
        Attr a = f.getattr(created[0]);
        assertEquals(0, a.nlink, "the open file is still there, unlinked");
        assertEquals(0, f.fs.release(f.ctx, created[0], created[1], 0));
        assertEquals(-Errno.ESTALE, f.fs.getattr(f.ctx, created[0], -1, new Attr()),
                "with no fd held, nothing keeps a deleted file (as in the Rust virtiofsd)");
        assertEquals(-Errno.ESTALE, f.fs.open(f.ctx, created[0], Fcntl.O_RDONLY, new OpenResult()));
    }

    @Test
    void preferHoldsTheFilesOfAFilesystemWithoutHandlesByFdAndMandatoryRefusesThem() throws Exception {
        Path point = Files.createDirectory(f.shared.resolve("ram"));
        Files.writeString(f.shared.resolve("a"), "a");
        try (HostMount ramfs = HostMount.ramfs(point)) {
            assumeTrue(ramfs != null, "a ramfs can be mounted here (root)");
            Files.writeString(point.resolve("x"), "on ramfs");
            assertEquals(-Errno.EOPNOTSUPP, f.lookupError(ROOT, b("ram")), "mandatory: no handle, no node");
            assertTrue(f.fs.heldByHandle(f.lookup(ROOT, "a").nodeId), "the rest is served");

            try (FsFixture prefer = FsFixture.exporting(f.shared, b -> b.inodeFileHandles(InodeFileHandles.PREFER),
                    0)) {
                long ram = prefer.lookup(ROOT, "ram").nodeId;
                assertFalse(prefer.fs.heldByHandle(ram), "ramfs: held by fd");
                long x = prefer.lookup(ram, "x").nodeId;
                assertFalse(prefer.fs.heldByHandle(x));
                assertEquals(8, prefer.getattr(x).size);
                assertEquals(ram, prefer.lookup(ram, ".").nodeId);
                assertTrue(prefer.fs.heldByHandle(prefer.lookup(ROOT, "a").nodeId), "ext4/tmpfs: by handle");
            }
        }
    }

    @Test
    void theStartUpProbeTellsWhyHandlesCannotBeUsed() throws Exception {
        assertNull(PassthroughFs.probeFileHandles(f.shared, ProcSelfFd.DEFAULT_PATH));
        String proc = PassthroughFs.probeFileHandles(Path.of("/proc"), ProcSelfFd.DEFAULT_PATH);
        assertNotNull(proc);
        assertTrue(proc.contains("does not support file handles"), proc);
        String missing = PassthroughFs.probeFileHandles(f.shared.resolve("missing"), ProcSelfFd.DEFAULT_PATH);
        assertTrue(missing != null && missing.startsWith("cannot open"), missing);

        assumeTrue(ProcessCalls.runningAsRoot(), "root, whose capabilities one thread can give up");
        AtomicReference<Object> withoutCapability = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                // Per thread. Without CAP_SYS_ADMIN too, or Linux 6.10+ lets the owner of the mount open handles.
                CapabilityCalls.Sets sets = CapabilityCalls.get();
                long drop = (1L << CAP_DAC_READ_SEARCH) | (1L << CAP_SYS_ADMIN);
                assertEquals(0, CapabilityCalls.set(sets.effective() & ~drop, sets.permitted(), sets.inheritable()));
                withoutCapability.set(PassthroughFs.probeFileHandles(f.shared, ProcSelfFd.DEFAULT_PATH));
            } catch (Throwable e) {
                withoutCapability.set(e);
            }
        });
        t.start();
        t.join();
        Object reason = withoutCapability.get();
        assertTrue(reason instanceof String && ((String) reason).contains("needs CAP_DAC_READ_SEARCH"),
                String.valueOf(reason));
    }
}
