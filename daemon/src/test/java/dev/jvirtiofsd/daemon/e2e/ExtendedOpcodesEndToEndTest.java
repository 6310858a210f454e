package dev.jvirtiofsd.daemon.e2e;

import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.ENTRY_ATTR;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.ATTR_NLINK;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.args;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.fh;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.nodeId;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jvirtiofsd.daemon.e2e.FuseTestClient.Reply;
import dev.jvirtiofsd.daemon.sys.Fcntl;
import dev.jvirtiofsd.daemon.sys.Stat;
import dev.jvirtiofsd.daemon.sys.Syscalls;
import dev.jvirtiofsd.protocol.Opcode;
import dev.jvirtiofsd.protocol.StatxOut;
import dev.jvirtiofsd.vhostuser.frontend.FrontendOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TMPFILE, STATX, COPY_FILE_RANGE, RENAME2 with RENAME_WHITEOUT, IOCTL and the opcodes that
 * answer ENOSYS on purpose, through the real daemon over a real socket, checked on the host.
 */
class ExtendedOpcodesEndToEndTest {
    static final int S_IFREG = 0100000;
    static final int S_IFCHR = 0020000;
    static final int O_RDWR = 2;
    static final int O_EXCL = 0200;
    static final int ENOENT = 2;
    static final int EBADF = 9;
    static final int EINVAL = 22;
    static final int ENOTTY = 25;
    static final int ENOSYS = 38;
    static final int FS_IOC_GETFLAGS = 0x80086601;
    static final int FS_IOC_SETFLAGS = 0x40086602;
    static final int FS_IOC_FSGETXATTR = 0x801c581f;
    static final int FS_APPEND_FL = 0x20;
    static final int FS_XFLAG_APPEND = 0x10;
    static final int FUSE_IOCTL_UNRESTRICTED = 2;

    @TempDir
    Path tmp;
    Path shared;
    RunningDaemon daemon;
    FuseTestClient fuse;

    @BeforeEach
    void start() throws Exception {
        shared = Files.createDirectory(tmp.resolve("shared"));
        daemon = RunningDaemon.start(shared, tmp.resolve("vfs.sock"), FrontendOptions.defaults(), "--xattr",
                "--modcaps=+linux_immutable"); // chattr +a needs it, not kept by default
        fuse = new FuseTestClient(daemon.frontend);
        Reply init = OpsSupport.init(fuse, 41, 0x7bfffffb, 0x1ff);
        init.ok();
        assertEquals(41, init.body().getInt(4), "a 7.41 guest is answered 7.41, so it may send STATX");
    }

    @AfterEach
    void stop() {
        daemon.close();
    }

    @Test
    void theReplyMinorIsNeverMoreThanTheGuestKnows() throws Exception {
        Reply r = OpsSupport.init(fuse, 38, 0x7bfffffb, 0xb);
        r.ok();
        assertEquals(38, r.body().getInt(4), "a 6.1 guest speaks 7.38");
        r = OpsSupport.init(fuse, 39, 0x7bfffffb, 0xb);
        assertEquals(39, r.body().getInt(4));
        r = OpsSupport.init(fuse, 45, 0x7bfffffb, 0xb);
        assertEquals(41, r.body().getInt(4), "a newer guest gets the newest we serve");
    }

    @Test
    void tmpfileIsWritableAndLinkGivesItAName() throws Exception {
        Reply t = OpsSupport.tmpfile(fuse, 1, S_IFREG | 0640, O_RDWR);
        long node = nodeId(t);
        long fh = fh(t, 128);
        assertEquals(0, t.body().getInt(ENTRY_ATTR + ATTR_NLINK), "no name yet");
        try (var names = Files.list(shared)) {
            assertEquals(0, names.count(), "the file has no name in the directory");
        }
        byte[] data = "made with O_TMPFILE".getBytes(StandardCharsets.UTF_8);
        fuse.write(node, fh, 0, data).ok();
        Reply l = fuse.link(node, 1, "named");
        assertEquals(node, nodeId(l), "LINK answers the same node");
        assertEquals(1, l.body().getInt(ENTRY_ATTR + ATTR_NLINK));
        fuse.release(Opcode.RELEASE, node, fh).ok();
        assertArrayEquals(data, Files.readAllBytes(shared.resolve("named")));
        assertEquals(0640, (int) Files.getAttribute(shared.resolve("named"), "unix:mode") & 07777);
    }

    @Test
    void tmpfileWithExclCannotBeLinkedAndBadFlagsGetTheHostsAnswer() throws Exception {
        Reply t = OpsSupport.tmpfile(fuse, 1, S_IFREG | 0600, O_RDWR | O_EXCL);
        long node = nodeId(t);
        assertEquals(-ENOENT, fuse.link(node, 1, "never").error(), "O_EXCL makes the inode unlinkable");
        assertFalse(Files.exists(shared.resolve("never")));
        assertEquals(-EINVAL, OpsSupport.tmpfile(fuse, 1, S_IFREG | 0600, 0).error(),
                "O_TMPFILE needs write access: the host says EINVAL");
        Files.writeString(shared.resolve("plain"), "x");
        long file = nodeId(fuse.lookup(1, "plain"));
        assertEquals(-20, OpsSupport.tmpfile(fuse, file, S_IFREG | 0600, O_RDWR).error(), "ENOTDIR");
    }

    @Test
    void statxCarriesTheHostsBirthTimeAndBasicStats() throws Exception {
        Path f = shared.resolve("born");
        Files.write(f, new byte[1234]);
        long node = nodeId(fuse.lookup(1, "born"));
        Reply r = OpsSupport.statx(fuse, node);
        r.ok();
        assertEquals(StatxOut.BYTES, r.body().remaining());
        StatxOut sx = new StatxOut().decode(r.body(), 0);
        Stat host = new Stat();
        assertEquals(0, Syscalls.statx(Fcntl.AT_FDCWD, f.toString().getBytes(StandardCharsets.UTF_8),
                Fcntl.AT_SYMLINK_NOFOLLOW, Syscalls.STATX_BASIC_STATS | Syscalls.STATX_BTIME, host));
        assertEquals(1, sx.attrValid, "--cache=auto: 1 s");
        assertEquals(0x7ff, sx.mask & 0x7ff, "basic stats");
        assertEquals(1234, sx.size);
        assertEquals(host.ino, sx.ino);
        assertEquals(S_IFREG, sx.mode & 0170000);
        assertEquals(host.devMajor, sx.devMajor);
        assertEquals(host.devMinor, sx.devMinor);
        assumeTrue((host.mask & Syscalls.STATX_BTIME) != 0, "the host filesystem records birth times");
        assertEquals(Syscalls.STATX_BTIME, sx.mask & Syscalls.STATX_BTIME);
        assertEquals(host.btimeSec, sx.btimeSec);
        assertEquals(host.btimeNsec, sx.btimeNsec);
        assertNotEquals(0, sx.btimeSec);
        assertEquals(-EBADF, OpsSupport.statx(fuse, 987654).error(), "unknown node");
    }

    @Test
    void copyFileRangeCopiesOnTheHostAndCapsTheCount() throws Exception {
        byte[] data = new byte[300_000];
        new java.util.Random(7).nextBytes(data);
        Files.write(shared.resolve("src"), data);
        long src = nodeId(fuse.lookup(1, "src"));
        long srcFh = fh(fuse.open(src, 0), 0);
        Reply c = fuse.create(1, "dst", S_IFREG | 0644, O_RDWR);
        long dst = nodeId(c);
        long dstFh = fh(c, 128);

        Reply r = OpsSupport.copyFileRange(fuse, src, srcFh, 1000, dst, dstFh, 10, 5000, 0);
        r.ok();
        assertEquals(5000, r.body().getInt(0));
        byte[] out = Files.readAllBytes(shared.resolve("dst"));
        assertEquals(5010, out.length);
        assertArrayEquals(Arrays.copyOfRange(data, 1000, 6000), Arrays.copyOfRange(out, 10, 5010));

        r = OpsSupport.copyFileRange(fuse, src, srcFh, 0, dst, dstFh, 0, -1L, 0);
        r.ok();
        assertEquals(data.length, r.body().getInt(0), "a length beyond 32 bits is capped, the copy ends at EOF");
        assertArrayEquals(data, Files.readAllBytes(shared.resolve("dst")));

        assertEquals(-EBADF, OpsSupport.copyFileRange(fuse, src, srcFh, 0, dst, 4242, 0, 10, 0).error());
        assertEquals(-EBADF, OpsSupport.copyFileRange(fuse, src, dstFh, 0, dst, dstFh, 0, 10, 0).error(),
                "a handle of another node");
        assertEquals(-EINVAL, OpsSupport.copyFileRange(fuse, src, srcFh, 0, dst, dstFh, 0, 10, 1).error(),
                "no copy_file_range flag is defined");
        assertEquals(-75, OpsSupport.copyFileRange(fuse, src, srcFh, -5, dst, dstFh, 0, 10, 0).error(),
                "a negative offset: the host's EOVERFLOW");
    }

    @Test
    void renameWhiteoutLeavesAWhiteoutDevice() throws Exception {
        Files.writeString(shared.resolve("lower"), "L");
        fuse.rename2(1, "lower", 1, "upper", 4).ok();
        assertEquals("L", Files.readString(shared.resolve("upper")));
        int mode = (int) Files.getAttribute(shared.resolve("lower"), "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS);
        assertEquals(S_IFCHR, mode & 0170000, "a whiteout is a character device");
        assertEquals(0L, ((Number) Files.getAttribute(shared.resolve("lower"), "unix:rdev",
                java.nio.file.LinkOption.NOFOLLOW_LINKS)).longValue(), "with device number 0/0");
        assertEquals(-EINVAL, fuse.rename2(1, "upper", 1, "other", 4 | 2).error(),
                "WHITEOUT with EXCHANGE: the host's EINVAL");
    }

    @Test
    void chattrAppendOnlyThroughIoctlAndTheHostEnforcesIt() throws Exception {
        Path f = shared.resolve("log");
        Files.writeString(f, "first\n");
        long node = nodeId(fuse.lookup(1, "log"));
        long fh = fh(fuse.open(node, 0), 0);
        Reply get = OpsSupport.ioctl(fuse, node, fh, 0, FS_IOC_GETFLAGS, new byte[0], 4);
        assumeTrue(get.error() != -ENOTTY, "the host filesystem has inode flags");
        get.ok();
        assertEquals(16 + 4, get.body().remaining(), "fuse_ioctl_out and the 4-byte flags, nothing more");
        assertEquals(0, get.body().getInt(0), "result");
        int flags = get.body().getInt(16);
        assertEquals(0, flags & FS_APPEND_FL);
        try {
            OpsSupport.ioctl(fuse, node, fh, 0, FS_IOC_SETFLAGS, OpsSupport.le32(flags | FS_APPEND_FL), 0).ok();
            assertThrows(IOException.class, () -> Files.writeString(f, "overwrite"), "append-only on the host");
            Files.writeString(f, "second\n", StandardOpenOption.APPEND);
            get = OpsSupport.ioctl(fuse, node, fh, 0, FS_IOC_GETFLAGS, new byte[0], 4);
            assertEquals(FS_APPEND_FL, get.body().getInt(16) & FS_APPEND_FL);
            Reply fsx = OpsSupport.ioctl(fuse, node, fh, 0, FS_IOC_FSGETXATTR, new byte[0], 28);
            fsx.ok();
            assertEquals(16 + 28, fsx.body().remaining());
            assertEquals(FS_XFLAG_APPEND, fsx.body().getInt(16) & FS_XFLAG_APPEND, "fsx_xflags");
        } finally {
            OpsSupport.ioctl(fuse, node, fh, 0, FS_IOC_SETFLAGS, OpsSupport.le32(flags), 0).ok();
        }
        assertEquals("first\nsecond\n", Files.readString(f));
        Files.writeString(f, "overwritten once the flag is gone");
    }

    @Test
    void ioctlsThatAreNotPassedAnswerEnottyAndBadSizesEinval() throws Exception {
        Files.writeString(shared.resolve("f"), "x");
        long node = nodeId(fuse.lookup(1, "f"));
        long fh = fh(fuse.open(node, 0), 0);
        int fionread = 0x541b;
        assertEquals(-ENOTTY, OpsSupport.ioctl(fuse, node, fh, 0, fionread, new byte[0], 4).error());
        assertEquals(-ENOTTY, OpsSupport.ioctl(fuse, node, fh, FUSE_IOCTL_UNRESTRICTED, FS_IOC_GETFLAGS,
                new byte[0], 4).error(), "unrestricted ioctls are refused");
        assertEquals(-EINVAL, OpsSupport.ioctl(fuse, node, fh, 0, FS_IOC_GETFLAGS, new byte[0], 2).error(),
                "no room for the flags");
        assertEquals(-EINVAL, OpsSupport.ioctl(fuse, node, fh, 0, FS_IOC_SETFLAGS, new byte[2], 0).error());
        Reply lying = fuse.call(Opcode.IOCTL, node, args().u64(fh).u32(0).u32(FS_IOC_SETFLAGS).u64(0).u32(64)
                .u32(0).bytes(new byte[4]));
        assertEquals(-EINVAL, lying.error(), "in_size larger than the data sent");
        assertEquals(-EBADF, OpsSupport.ioctl(fuse, node, 999, 0, FS_IOC_GETFLAGS, new byte[0], 4).error());
        fuse.getattr(node).ok();
    }

    @Test
    void opcodesWithoutAMeaningHereAnswerEnosys() throws Exception {
        assertEquals(-ENOSYS, fuse.call(Opcode.BMAP, 1, args().u64(0).u32(4096).u32(0)).error());
        assertEquals(-ENOSYS, fuse.call(Opcode.POLL, 1, args().u64(0).u64(0).u32(0).u32(0)).error());
        assertEquals(-ENOSYS, fuse.call(Opcode.SETUPMAPPING, 1, args().zeros(40)).error());
        assertEquals(-ENOSYS, fuse.call(Opcode.REMOVEMAPPING, 1, args().u32(1).u32(0).zeros(16)).error());
        assertEquals(-ENOSYS, fuse.call(Opcode.NOTIFY_REPLY, 1, args().zeros(40)).error());
        assertEquals(-ENOSYS, fuse.call(Opcode.CUSE_INIT, 1, args().zeros(16)).error());
        fuse.getattr(1).ok();
    }
}
