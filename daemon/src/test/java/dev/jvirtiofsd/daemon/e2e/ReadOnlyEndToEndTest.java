package dev.jvirtiofsd.daemon.e2e;

import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.fh;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.nodeId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvirtiofsd.daemon.e2e.FuseTestClient.Reply;
import dev.jvirtiofsd.protocol.Opcode;
import dev.jvirtiofsd.vhostuser.frontend.FrontendOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --readonly through the frontend: every modifying opcode answers EROFS (or EINVAL where the
 * Rust virtiofsd does), every reading one still works, and the host tree is byte for byte,
 * mode for mode and time for time what it was before.
 */
class ReadOnlyEndToEndTest {
    static final int EROFS = 30;
    static final int EINVAL = 22;
    static final int O_WRONLY = 1;
    static final int O_RDWR = 2;
    static final int O_CREAT = 0100;
    static final int O_EXCL = 0200;
    static final int O_TRUNC = 01000;
    static final int O_TMPFILE = 020200000;
    static final int S_IFREG = 0100000;
    static final int W_OK = 2;
    static final int R_OK = 4;
    static final int FATTR_MODE = 1;
    static final int FATTR_SIZE = 8;
    static final int FS_IOC_GETFLAGS = 0x80086601;
    static final int FS_IOC_SETFLAGS = 0x40086602;

    @TempDir
    Path tmp;
    Path shared;
    RunningDaemon daemon;
    FuseTestClient fuse;
    Map<String, String> before;

    @BeforeEach
    void start() throws Exception {
        shared = Files.createDirectories(tmp.resolve("shared"));
        Files.writeString(shared.resolve("f"), "hello");
        Files.createDirectories(shared.resolve("d"));
        Files.writeString(shared.resolve("d/x"), "inner");
        Files.createSymbolicLink(shared.resolve("l"), Path.of("f"));
        Files.getFileAttributeView(shared.resolve("f"), UserDefinedFileAttributeView.class)
                .write("attr", ByteBuffer.wrap("v".getBytes(StandardCharsets.UTF_8)));
        before = snapshot(shared);
        daemon = RunningDaemon.start(shared, tmp.resolve("vfs.sock"), FrontendOptions.defaults(), "--readonly",
                "--xattr");
        fuse = new FuseTestClient(daemon.frontend);
        OpsSupport.init(fuse, 38, 0x7bfffffb, 0xb).ok();
    }

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void readingOpcodesAreServed() throws Exception {
        long f = nodeId(fuse.lookup(1, "f"));
        fuse.getattr(f).ok();
        long fh = fh(fuse.open(f, 0), 0);
        Reply read = fuse.read(f, fh, 0, 100);
        read.ok();
        byte[] data = new byte[read.body().remaining()];
        read.body().get(data);
        assertEquals("hello", new String(data, StandardCharsets.UTF_8));
        fuse.flush(f, fh).ok();
        fuse.fsync(Opcode.FSYNC, f, fh, 0).ok();
        fuse.lseek(f, fh, 0, 0).ok();
        assertEquals(0, OpsSupport.ioctl(fuse, f, fh, 0, FS_IOC_GETFLAGS, new byte[0], 4).error());
        fuse.getxattr(f, "user.attr", 64).ok();
        fuse.listxattr(f, 256).ok();
        fuse.access(f, R_OK).ok();
        fuse.statfs(1).ok();
        fuse.syncfs(1).ok();
        OpsSupport.statx(fuse, f).ok();
        fuse.release(Opcode.RELEASE, f, fh).ok();

        long l = nodeId(fuse.lookup(1, "l"));
        fuse.readlink(l).ok();
        long dir = fh(fuse.opendir(1), 0);
        fuse.readdir(Opcode.READDIR, 1, dir, 0, 4096).ok();
        fuse.fsync(Opcode.FSYNCDIR, 1, dir, 0).ok();
        fuse.release(Opcode.RELEASEDIR, 1, dir).ok();

        // CREATE of a file that exists is a read-only open of it.
        Reply create = fuse.create(1, "f", S_IFREG | 0644, O_CREAT);
        long createdFh = fh(create, 128);
        assertEquals(f, nodeId(create));
        fuse.release(Opcode.RELEASE, f, createdFh).ok();
        assertUnchanged();
    }

    @Test
    void modifyingOpcodesAnswerErofs() throws Exception {
        long f = nodeId(fuse.lookup(1, "f"));
        long d = nodeId(fuse.lookup(1, "d"));
        long fh = fh(fuse.open(f, 0), 0);

        assertEquals(-EROFS, fuse.setattr(f, FATTR_SIZE, fh, 0, 0, 0, 0, 0, 0, 0, 0).error(), "truncate");
        assertEquals(-EROFS, fuse.setattr(f, FATTR_MODE, -1, 0, 0, 0, 0, 0, 0777, 0, 0).error(), "chmod");
        assertEquals(-EROFS, fuse.mkdir(1, "newdir", 0755).error());
        assertEquals(-EROFS, fuse.mknod(1, "newnode", S_IFREG | 0644).error());
        assertEquals(-EROFS, fuse.symlink(1, "newlink", "f").error());
        assertEquals(-EROFS, fuse.link(f, 1, "hardlink").error());
        assertEquals(-EROFS, fuse.unlink(Opcode.UNLINK, 1, "f").error());
        assertEquals(-EROFS, fuse.unlink(Opcode.RMDIR, d, "x").error(), "rmdir of a file is still refused first");
        assertEquals(-EROFS, fuse.unlink(Opcode.RMDIR, 1, "d").error());
        assertEquals(-EROFS, fuse.rename(1, "f", 1, "g").error());
        assertEquals(-EROFS, fuse.rename2(1, "f", d, "g", 0).error());
        assertEquals(-EROFS, fuse.write(f, fh, 0, "bye".getBytes(StandardCharsets.UTF_8)).error());
        assertEquals(-EROFS, fuse.fallocate(f, fh, 0, 1 << 20, 0).error());
        assertEquals(-EROFS, fuse.setxattr(f, "user.attr", new byte[] {'w'}, 0).error());
        assertEquals(-EROFS, fuse.setxattr(f, "user.other", new byte[] {'w'}, 0).error());
        assertEquals(-EROFS, fuse.removexattr(f, "user.attr").error());
        assertEquals(-EROFS, OpsSupport.tmpfile(fuse, 1, S_IFREG | 0600, O_RDWR).error());
        assertEquals(-EROFS, OpsSupport.copyFileRange(fuse, f, fh, 0, f, fh, 10, 5, 0).error());
        assertEquals(-EROFS, OpsSupport.ioctl(fuse, f, fh, 0, FS_IOC_SETFLAGS, OpsSupport.le32(0x20), 0).error());
        assertEquals(-EROFS, fuse.access(f, W_OK).error());
        assertEquals(-EROFS, fuse.access(f, R_OK | W_OK).error());

        // Opens: write access and O_EXCL are EROFS, O_TRUNC and O_TMPFILE EINVAL, a missing file EROFS.
        assertEquals(-EROFS, fuse.open(f, O_WRONLY).error());
        assertEquals(-EROFS, fuse.open(f, O_RDWR).error());
        assertEquals(-EROFS, fuse.open(f, O_EXCL).error());
        assertEquals(-EINVAL, fuse.open(f, O_TRUNC).error());
        assertEquals(-EINVAL, fuse.open(d, O_TMPFILE | O_RDWR).error());
        assertEquals(-EROFS, fuse.create(1, "missing", S_IFREG | 0644, O_CREAT).error());
        assertEquals(-EROFS, fuse.create(1, "f", S_IFREG | 0644, O_CREAT | O_RDWR).error());
        assertEquals(-EROFS, fuse.create(1, "f", S_IFREG | 0644, O_CREAT | O_EXCL).error());
        assertEquals(-EINVAL, fuse.create(1, "f", S_IFREG | 0644, O_CREAT | O_TRUNC).error());

        // Still serving, and the one handle opened is still readable.
        Reply read = fuse.read(f, fh, 0, 5);
        read.ok();
        assertEquals(5, read.body().remaining());
        fuse.release(Opcode.RELEASE, f, fh).ok();
        assertUnchanged();
    }

    private void assertUnchanged() throws IOException {
        assertEquals(before, snapshot(shared), "the host tree changed");
        assertTrue(Files.notExists(shared.resolve("missing"), LinkOption.NOFOLLOW_LINKS));
    }

    /** Every entry under {@code root}: type, mode, size, mtime, contents and user xattrs. */
    static Map<String, String> snapshot(Path root) throws IOException {
        Map<String, String> state = new TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Map<String, Object> a = Files.readAttributes(p, "unix:mode,size,lastModifiedTime,nlink",
                        LinkOption.NOFOLLOW_LINKS);
                StringBuilder s = new StringBuilder(a.toString());
                if (Files.isSymbolicLink(p)) {
                    s.append(" -> ").append(Files.readSymbolicLink(p));
                } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    s.append(' ').append(Arrays.toString(Files.readAllBytes(p)));
                    UserDefinedFileAttributeView x = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class);
                    for (String name : x.list()) {
                        ByteBuffer v = ByteBuffer.allocate(x.size(name));
                        x.read(name, v);
                        s.append(' ').append(name).append('=').append(Arrays.toString(v.array()));
                    }
                }
                state.put(root.relativize(p).toString(), s.toString());
            }
        }
        return state;
    }
}
