package dev.jvirtiofsd.daemon.e2e;

import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.ENTRY_ATTR;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.ATTR_MODE;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.fh;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.nodeId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvirtiofsd.daemon.e2e.FuseTestClient.Reply;
import dev.jvirtiofsd.protocol.Opcode;
import dev.jvirtiofsd.vhostuser.frontend.FrontendOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Path confinement under a race, with {@code --sandbox none}: while a host thread keeps swapping
 * a directory and a file of the shared directory for symlinks to a directory outside it, the
 * guest looks up, creates, opens, reads, writes, truncates, renames and links through them. The
 * daemon never resolves a guest path as a string, so nothing outside is read, changed or created:
 * the canary keeps its bytes, mtime and atime, and the outside directory its entries.
 */
class ConfinementRaceEndToEndTest {
    private static final int ROUNDS = 1500;
    private static final int S_IFMT = 0170000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFLNK = 0120000;
    private static final int O_RDWR = 2;
    private static final FileTime LONG_AGO = FileTime.fromMillis(946_684_800_000L); // 2000-01-01

    @TempDir
    Path tmp;
    Path shared;
    Path outside;
    Path canary;
    RunningDaemon daemon;
    FuseTestClient fuse;

    /** The daemon's options beyond the shared dir, socket and sandbox. */
    String[] daemonArgs() {
        return new String[] {"--xattr"};
    }

    @BeforeEach
    void start() throws Exception {
        shared = Files.createDirectory(tmp.resolve("shared"));
        outside = Files.createDirectory(tmp.resolve("outside"));
        canary = Files.writeString(outside.resolve("canary"), "outside");
        Files.getFileAttributeView(canary, BasicFileAttributeView.class).setTimes(LONG_AGO, LONG_AGO, null);
        daemon = RunningDaemon.start(shared, tmp.resolve("vfs.sock"), FrontendOptions.defaults(), daemonArgs());
        fuse = new FuseTestClient(daemon.frontend);
        fuse.init().ok();
    }

    @AfterEach
    void stop() {
        daemon.close();
    }

    /**
     * Keeps swapping {@code name} between {@code real} and a symlink to {@code target} (two
     * renames each time: rename(2) cannot put a directory over a symlink), until stopped.
     */
    private static Thread swapper(Path dir, String name, Path target, boolean directory, AtomicBoolean stop,
                                  AtomicInteger swaps, AtomicReference<Throwable> failure) throws Exception {
        Path slot = dir.resolve(name);
        Path parkedReal = dir.resolve(name + ".real");
        Path parkedLink = dir.resolve(name + ".link");
        if (directory) {
            Files.createDirectory(slot);
            Files.writeString(slot.resolve("canary"), "inside");
        } else {
            Files.writeString(slot, "inside");
        }
        Files.createSymbolicLink(parkedLink, target);
        Thread t = new Thread(() -> {
            try {
                while (!stop.get()) {
                    Files.move(slot, parkedReal, StandardCopyOption.ATOMIC_MOVE);
                    Files.move(parkedLink, slot, StandardCopyOption.ATOMIC_MOVE);
                    Files.move(slot, parkedLink, StandardCopyOption.ATOMIC_MOVE);
                    Files.move(parkedReal, slot, StandardCopyOption.ATOMIC_MOVE);
                    swaps.incrementAndGet();
                }
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "swapper-" + name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static int type(Reply entry) {
        return entry.body().getInt(ENTRY_ATTR + ATTR_MODE) & S_IFMT;
    }

    @Test
    void symlinkSwapRaceNeverLeavesTheSharedDirectory() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger swaps = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread dirSwapper = swapper(shared, "d", outside, true, stop, swaps, failure);
        Thread fileSwapper = swapper(shared, "f", canary, false, stop, swaps, failure);
        Files.writeString(shared.resolve("victim"), "victim");
        int sawSymlink = 0;
        int sawReal = 0;
        try {
            for (int round = 0; round < ROUNDS; round++) {
                Reply d = fuse.lookup(1, "d");
                if (d.error() == 0) {
                    long dir = nodeId(d);
                    if (type(d) == S_IFLNK) {
                        sawSymlink++;
                    } else {
                        sawReal++;
                    }
                    Reply inner = fuse.lookup(dir, "canary");
                    if (inner.error() == 0) {
                        assertEquals(S_IFDIR, type(d), "found 'canary' under a node that is no directory");
                        readMustSay(nodeId(inner), "inside");
                    }
                    String planted = "planted-" + round;
                    Reply created = fuse.create(dir, planted, S_IFREG | 0644, O_RDWR);
                    if (created.error() == 0) {
                        assertEquals(S_IFDIR, type(d), "created under a symlink node");
                    }
                    fuse.mkdir(dir, "dir-" + round, S_IFDIR | 0755);
                    fuse.symlink(dir, "sym-" + round, "/");
                    // Move and link a file of the shared directory into the swapped directory and back.
                    fuse.rename(1, "victim", dir, "victim");
                    fuse.rename(dir, "victim", 1, "victim");
                    long victim = nodeId(fuse.lookup(1, "victim"));
                    fuse.link(victim, dir, "hardlink-" + round);
                    fuse.unlink(Opcode.UNLINK, dir, planted);
                }
                Reply f = fuse.lookup(1, "f");
                if (f.error() == 0) {
                    long file = nodeId(f);
                    Reply open = fuse.open(file, O_RDWR);
                    if (open.error() == 0) {
                        assertEquals(S_IFREG, type(f), "opened a symlink node");
                        long fh = fh(open, 0);
                        Reply read = fuse.read(file, fh, 0, 64);
                        assertEquals("inside", readText(read), "read through 'f'");
                        fuse.write(file, fh, 0, "inside".getBytes(StandardCharsets.UTF_8)).ok();
                        fuse.release(Opcode.RELEASE, file, fh).ok();
                    }
                    fuse.setxattr(file, "user.planted", new byte[] {1}, 0);
                    fuse.getxattr(file, "user.test", 64);
                }
            }
        } finally {
            stop.set(true);
            dirSwapper.join();
            fileSwapper.join();
        }
        assertEquals(null, failure.get(), "the swapper failed");
        assertTrue(swaps.get() > 0, "the host swapped");
        // Not an assertion on timing: both shapes are seen only when the swap raced; report if it did not.
        System.out.printf("symlink-swap race: %d swaps, 'd' seen as a symlink %d times, as a directory %d times%n",
                swaps.get(), sawSymlink, sawReal);
        assertOutsideUntouched();
        fuse.getattr(1).ok();
    }

    @Test
    void renameAndLinkCannotMoveAnythingOutOfTheTree() throws Exception {
        Files.writeString(shared.resolve("x"), "x");
        Files.createDirectory(shared.resolve("sub"));
        Files.createSymbolicLink(shared.resolve("out"), outside);
        long x = nodeId(fuse.lookup(1, "x"));
        long sub = nodeId(fuse.lookup(1, "sub"));
        long out = nodeId(fuse.lookup(1, "out"));
        long dotdot = nodeId(fuse.lookup(1, ".."));
        assertEquals(1, dotdot, "'..' of the root is the root");
        assertEquals(sub, nodeId(fuse.lookup(sub, ".")), "'.' is the directory itself");
        for (String bad : new String[] {"../x", "../../x", "/x", "a/b", "..", ".", ""}) {
            assertTrue(fuse.rename(1, "x", 1, bad).error() < 0, "rename to '" + bad + "'");
            assertTrue(fuse.rename(1, "x", sub, bad).error() < 0, "rename into sub as '" + bad + "'");
            assertTrue(fuse.link(x, 1, bad).error() < 0, "link as '" + bad + "'");
            assertTrue(fuse.rename2(1, "x", 1, bad, 2).error() < 0, "exchange with '" + bad + "'");
        }
        // Through the symlink node: never followed to the outside directory.
        assertTrue(fuse.rename(1, "x", out, "x").error() < 0, "rename under a symlink to outside");
        assertTrue(fuse.link(x, out, "x").error() < 0, "link under a symlink to outside");
        assertTrue(fuse.rename(out, "canary", 1, "stolen").error() < 0, "rename the canary in");
        assertTrue(fuse.rename2(1, "x", out, "canary", 2).error() < 0, "exchange with the canary");
        // Moving "sub" into itself or its child fails; moving the root is impossible.
        assertTrue(fuse.rename(1, "sub", sub, "loop").error() < 0, "rename a directory into itself");
        assertTrue(fuse.rename(1, "..", 1, "root").error() < 0, "rename '..' of the root");
        assertEquals("x", Files.readString(shared.resolve("x")));
        assertTrue(Files.isDirectory(shared.resolve("sub")));
        assertOutsideUntouched();
        try (Stream<Path> s = Files.list(tmp)) {
            // (the socket file is gone: the daemon removes it once QEMU is connected; its pid file
            // stays while the daemon runs)
            assertEquals(Set.of("shared", "outside"), s.map(p -> p.getFileName().toString())
                    .filter(name -> !name.equals("vfs.sock") && !name.equals("vfs.sock.pid"))
                    .collect(Collectors.toSet()));
        }
    }

    private void readMustSay(long node, String expected) throws Exception {
        Reply open = fuse.open(node, 0);
        if (open.error() != 0) {
            return; // swapped away meanwhile
        }
        long fh = fh(open, 0);
        assertEquals(expected, readText(fuse.read(node, fh, 0, 64)));
        fuse.release(Opcode.RELEASE, node, fh).ok();
    }

    private static String readText(Reply read) {
        read.ok();
        byte[] bytes = new byte[read.body().remaining()];
        read.body().duplicate().get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private void assertOutsideUntouched() throws Exception {
        try (Stream<Path> s = Files.list(outside)) {
            assertEquals(Set.of("canary"), s.map(p -> p.getFileName().toString()).collect(Collectors.toSet()));
        }
        BasicFileAttributes attrs = Files.readAttributes(canary, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        assertEquals(LONG_AGO, attrs.lastModifiedTime(), "canary changed");
        assertEquals(LONG_AGO, attrs.lastAccessTime(), "canary read");
        assertEquals("outside", Files.readString(canary));
    }
}
