package dev.jvirtiofsd.daemon.e2e;

import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.fh;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.nodeId;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jvirtiofsd.daemon.e2e.FuseTestClient.Reply;
import dev.jvirtiofsd.daemon.sys.Fcntl;
import dev.jvirtiofsd.daemon.sys.Syscalls;
import dev.jvirtiofsd.protocol.Opcode;
import dev.jvirtiofsd.vhostuser.frontend.FrontendOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every error reaches the guest as the errno the host syscall gave, never a generic EIO; and
 * attribute operations on symlinks and special files act on the node itself without opening it
 * (a FIFO without a writer would block an open forever).
 */
class ErrnoFidelityEndToEndTest {
    static final int S_IFREG = 0100000;
    static final int S_IFDIR = 0040000;
    static final int S_IFIFO = 0010000;
    static final int S_IFSOCK = 0140000;
    static final int O_WRONLY = 1;
    static final int O_RDWR = 2;
    static final int O_EXCL = 0200;
    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EBADF = 9;
    static final int EEXIST = 17;
    static final int EXDEV = 18;
    static final int ENOTDIR = 20;
    static final int EISDIR = 21;
    static final int EINVAL = 22;
    static final int ERANGE = 34;
    static final int ENAMETOOLONG = 36;
    static final int ENOTEMPTY = 39;
    static final int ELOOP = 40;
    static final int ENODATA = 61;
    static final int EOPNOTSUPP = 95;
    static final int FATTR_MODE = 1;
    static final int FATTR_UID = 2;
    static final int FATTR_SIZE = 8;
    static final int FATTR_MTIME = 32;

    @TempDir
    Path tmp;
    Path shared;
    RunningDaemon daemon;
    FuseTestClient fuse;

    @BeforeEach
    void start() throws Exception {
        shared = Files.createDirectory(tmp.resolve("shared"));
        daemon = RunningDaemon.start(shared, tmp.resolve("vfs.sock"), FrontendOptions.defaults(), "--xattr",
                "--modcaps=+sys_admin"); // trusted.* xattrs need CAP_SYS_ADMIN, not kept by default
        fuse = new FuseTestClient(daemon.frontend);
        fuse.init().ok();
    }

    @AfterEach
    void stop() {
        daemon.close();
    }

    @Test
    void eexistEnotemptyEisdirEnotdir() throws Exception {
        long dir = nodeId(fuse.mkdir(1, "d", S_IFDIR | 0755));
        assertEquals(-EEXIST, fuse.mkdir(1, "d", S_IFDIR | 0755).error());
        fuse.create(dir, "inner", S_IFREG | 0644, O_RDWR).ok();
        assertEquals(-EEXIST, fuse.create(dir, "inner", S_IFREG | 0644, O_RDWR | O_EXCL).error());
        assertEquals(-EEXIST, fuse.symlink(1, "d", "anywhere").error());
        long inner = nodeId(fuse.lookup(dir, "inner"));
        assertEquals(-EEXIST, fuse.link(inner, 1, "d").error());
        assertEquals(-ENOTEMPTY, fuse.unlink(Opcode.RMDIR, 1, "d").error());
        fuse.mkdir(1, "e", S_IFDIR | 0755).ok();
        assertEquals(-ENOTEMPTY, fuse.rename(1, "e", 1, "d").error(), "rename over a non-empty directory");

        assertEquals(-EISDIR, fuse.unlink(Opcode.UNLINK, 1, "d").error(), "unlink(2) of a directory");
        assertEquals(-EISDIR, fuse.open(dir, O_WRONLY).error(), "a directory opened for writing");
        fuse.create(1, "f", S_IFREG | 0644, O_RDWR).ok();
        assertEquals(-EISDIR, fuse.rename(1, "f", 1, "e").error(), "a file over a directory");

        long file = nodeId(fuse.lookup(1, "f"));
        assertEquals(-ENOTDIR, fuse.unlink(Opcode.RMDIR, 1, "f").error());
        assertEquals(-ENOTDIR, fuse.lookup(file, "x").error(), "a file as parent");
        assertEquals(-ENOTDIR, fuse.rename(1, "e", 1, "f").error(), "a directory over a file");
        assertEquals(-ENOTDIR, fuse.opendir(file).error());
        assertEquals(-ENOENT, fuse.lookup(1, "missing").error());
    }

    @Test
    void namesOf255BytesWorkAnd256AreTooLong() throws Exception {
        byte[] longest = new byte[255];
        Arrays.fill(longest, (byte) 'n');
        String ok = new String(longest, StandardCharsets.US_ASCII);
        fuse.create(1, ok, S_IFREG | 0644, O_RDWR).ok();
        assertTrue(Files.exists(shared.resolve(ok)));
        nodeId(fuse.lookup(1, ok));
        String tooLong = ok + "n";
        assertEquals(-ENAMETOOLONG, fuse.lookup(1, tooLong).error());
        assertEquals(-ENAMETOOLONG, fuse.mkdir(1, tooLong, S_IFDIR | 0755).error());
        assertEquals(-ENAMETOOLONG, fuse.create(1, tooLong, S_IFREG | 0644, O_RDWR).error());
        assertEquals(-ENAMETOOLONG, fuse.rename(1, ok, 1, tooLong).error());
        // Every byte value but '/' and NUL is a valid name byte.
        byte[] odd = new byte[253];
        for (int i = 0, v = 1; i < odd.length; v++) {
            if (v != '/') {
                odd[i++] = (byte) v;
            }
        }
        Reply c = fuse.call(Opcode.MKNOD, 1, FuseTestClient.args().u32(S_IFREG | 0600).u32(0).u32(0).u32(0).name(odd));
        c.ok();
        assertEquals(nodeId(c), nodeId(fuse.call(Opcode.LOOKUP, 1, FuseTestClient.args().name(odd))),
                "LOOKUP finds the same node");
        byte[] dir = shared.toString().getBytes(StandardCharsets.UTF_8);
        byte[] path = Arrays.copyOf(dir, dir.length + 1 + odd.length);
        path[dir.length] = '/';
        System.arraycopy(odd, 0, path, dir.length + 1, odd.length);
        int fd = Syscalls.openat(Fcntl.AT_FDCWD, path, Fcntl.O_PATH | Fcntl.O_NOFOLLOW | Fcntl.O_CLOEXEC, 0);
        assertTrue(fd >= 0, "the host has the file under exactly those bytes");
        Syscalls.close(fd);
    }

    @Test
    void einvalAndEloopAndEopnotsuppAsTheHostAnswers() throws Exception {
        long dir = nodeId(fuse.mkdir(1, "d", S_IFDIR | 0755));
        fuse.mkdir(dir, "sub", S_IFDIR | 0755).ok();
        assertEquals(-EINVAL, fuse.rename(1, "d", dir, "inside").error(), "a directory into itself");
        fuse.create(1, "a", S_IFREG | 0644, O_RDWR).ok();
        fuse.create(1, "b", S_IFREG | 0644, O_RDWR).ok();
        assertEquals(-EINVAL, fuse.rename2(1, "a", 1, "b", 1 | 2).error(), "NOREPLACE with EXCHANGE");
        long a = nodeId(fuse.lookup(1, "a"));
        long fh = fh(fuse.open(a, O_RDWR), 0);
        assertEquals(-EINVAL, fuse.lseek(a, fh, 0, 77).error(), "unknown whence");
        assertEquals(-EOPNOTSUPP, fuse.fallocate(a, fh, 0, 4096, 0x02).error(), "PUNCH_HOLE needs KEEP_SIZE");

        fuse.symlink(1, "link", "a").ok();
        long link = nodeId(fuse.lookup(1, "link"));
        assertEquals(-ELOOP, fuse.open(link, 0).error(), "as open(O_NOFOLLOW) answers");
        assertEquals(-EOPNOTSUPP, fuse.setattr(link, FATTR_MODE, 0, 0, 0, 0, 0, 0, 0600, 0, 0).error(),
                "Linux has no symlink modes");
        assertEquals(0644, (int) Files.getAttribute(shared.resolve("a"), "unix:mode") & 07777,
                "the target is untouched");
    }

    @Test
    void exdevAcrossMountsInsideTheSharedDirectory() throws Exception {
        Path mnt = Files.createDirectory(shared.resolve("mnt"));
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1m", "none", mnt.toString())
                .redirectErrorStream(true).start();
        assumeTrue(p.waitFor() == 0, "a tmpfs can be mounted here (root)");
        try {
            long m = nodeId(fuse.lookup(1, "mnt"));
            fuse.create(1, "f", S_IFREG | 0644, O_RDWR).ok();
            long f = nodeId(fuse.lookup(1, "f"));
            assertEquals(-EXDEV, fuse.rename(1, "f", m, "f").error());
            assertEquals(-EXDEV, fuse.link(f, m, "f").error());
        } finally {
            daemon.close();
            new ProcessBuilder("umount", "-l", mnt.toString()).start().waitFor();
        }
    }

    @Test
    void xattrSizeProbesAndMissingNames() throws Exception {
        fuse.create(1, "x", S_IFREG | 0644, O_RDWR).ok();
        long x = nodeId(fuse.lookup(1, "x"));
        fuse.setxattr(x, "user.colour", "ultramarine".getBytes(StandardCharsets.UTF_8), 0).ok();
        Reply probe = fuse.getxattr(x, "user.colour", 0);
        probe.ok();
        assertEquals(11, probe.body().getInt(0));
        assertEquals(-ERANGE, fuse.getxattr(x, "user.colour", 4).error());
        assertEquals(-ERANGE, fuse.listxattr(x, 3).error());
        assertEquals(-ENODATA, fuse.getxattr(x, "user.none", 64).error());
        assertEquals(-ENODATA, fuse.removexattr(x, "user.none").error());
        assertEquals(-EEXIST, fuse.setxattr(x, "user.colour", new byte[1], 1).error(), "XATTR_CREATE");
        assertEquals(-ENODATA, fuse.setxattr(x, "user.new", new byte[1], 2).error(), "XATTR_REPLACE");
    }

    @Test
    void aFifoWithoutAWriterNeverBlocksAttributeOperations() throws Exception {
        fuse.mknod(1, "fifo", S_IFIFO | 0600).ok();
        long fifo = nodeId(fuse.lookup(1, "fifo"));
        // Each of these would hang if the daemon opened the FIFO; the client's timeout fails the test.
        Reply chmod = fuse.setattr(fifo, FATTR_MODE, 0, 0, 0, 0, 0, 0, 0640, 0, 0);
        chmod.ok();
        assertEquals(0640, (int) Files.getAttribute(shared.resolve("fifo"), "unix:mode") & 07777);
        fuse.setattr(fifo, FATTR_UID, 0, 0, 0, 0, 0, 0, 0, 1234, 0).ok();
        assertEquals(1234, (int) Files.getAttribute(shared.resolve("fifo"), "unix:uid"));
        fuse.setattr(fifo, FATTR_MTIME, 0, 0, 0, 0, 1_000_000, 0, 0, 0, 0).ok();
        assertEquals(FileTime.fromMillis(1_000_000_000L), Files.getLastModifiedTime(shared.resolve("fifo")));
        assertEquals(-EINVAL, fuse.setattr(fifo, FATTR_SIZE, 0, 0, 0, 0, 0, 0, 0, 0, 0).error(),
                "truncate(2) of a FIFO");
        assertEquals(-ENODATA, fuse.getxattr(fifo, "user.x", 64).error());
        assertEquals(-EPERM, fuse.setxattr(fifo, "user.x", new byte[1], 0).error(),
                "Linux allows user.* only on files and directories");
        fuse.setxattr(fifo, "trusted.x", "t".getBytes(StandardCharsets.UTF_8), 0).ok();
        Reply got = fuse.getxattr(fifo, "trusted.x", 16);
        got.ok();
        assertEquals("t", StandardCharsets.UTF_8.decode(got.body()).toString());
        fuse.listxattr(fifo, 0).ok();
        assertEquals(-EBADF, fuse.open(fifo, O_RDWR).error(), "special files are never opened");
        long dirFh = fh(fuse.opendir(1), 0);
        fuse.readdir(Opcode.READDIRPLUS, 1, dirFh, 0, 4096).ok();
        fuse.getattr(fifo).ok();

        fuse.mknod(1, "sock", S_IFSOCK | 0600).ok();
        long sock = nodeId(fuse.lookup(1, "sock"));
        fuse.setattr(sock, FATTR_MODE, 0, 0, 0, 0, 0, 0, 0604, 0, 0).ok();
        assertEquals(0604, (int) Files.getAttribute(shared.resolve("sock"), "unix:mode") & 07777);
    }

    @Test
    void symlinkTimesChangeTheLinkNotItsTarget() throws Exception {
        Files.writeString(shared.resolve("target"), "t");
        FileTime targetTime = Files.getLastModifiedTime(shared.resolve("target"));
        fuse.symlink(1, "link", "target").ok();
        long link = nodeId(fuse.lookup(1, "link"));
        fuse.setattr(link, FATTR_MTIME, 0, 0, 0, 0, 2_000_000, 0, 0, 0, 0).ok();
        assertEquals(FileTime.fromMillis(2_000_000_000L),
                Files.getLastModifiedTime(shared.resolve("link"), LinkOption.NOFOLLOW_LINKS));
        assertEquals(targetTime, Files.getLastModifiedTime(shared.resolve("target")));
        assertArrayEquals("t".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(shared.resolve("target")));
    }
}
