package dev.jvirtiofsd.daemon.sys;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each binding of {@link Syscalls} against the real kernel, in a temporary directory. */
class SyscallsTest {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    @TempDir
    Path dir;
    private int dirFd;

    @BeforeEach
    void openDir() {
        dirFd = Syscalls.openat(Fcntl.AT_FDCWD, bytes(dir.toString()), Fcntl.O_PATH | Fcntl.O_DIRECTORY | Fcntl.O_CLOEXEC, 0);
        assertTrue(dirFd >= 0, "open temp dir: " + dirFd);
    }

    @AfterEach
    void closeDir() {
        Syscalls.close(dirFd);
    }

    static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    private int openFile(String name, int flags) {
        int fd = Syscalls.openat(dirFd, bytes(name), flags | Fcntl.O_CLOEXEC, 0644);
        assertTrue(fd >= 0, "open " + name + ": " + fd);
        return fd;
    }

    private static long unixLong(Path p, String attribute) throws IOException {
        return ((Number) Files.getAttribute(p, "unix:" + attribute, NOFOLLOW)).longValue();
    }

    @Test
    void openatClosesAndReportsErrno() throws IOException {
        Files.writeString(dir.resolve("f"), "x");
        int fd = openFile("f", Fcntl.O_RDONLY);
        assertEquals(1, Syscalls.fcntl(fd, Fcntl.F_GETFD, 0), "FD_CLOEXEC set by O_CLOEXEC");
        assertEquals(0, Syscalls.close(fd));
        assertEquals(-Errno.EBADF, Syscalls.close(-1));
        assertEquals(-Errno.ENOENT, Syscalls.openat(dirFd, bytes("missing"), Fcntl.O_RDONLY, 0));
        assertEquals(-Errno.ENAMETOOLONG, Syscalls.openat(dirFd, new byte[Fcntl.PATH_MAX], Fcntl.O_RDONLY, 0));
        assertEquals(-Errno.ENOTDIR, Syscalls.openat(dirFd, bytes("f/x"), Fcntl.O_RDONLY, 0));
    }

    @Test
    void openatCreatesWithTheGivenMode() throws IOException {
        int old = Syscalls.umask(0);
        try {
            int fd = openFile("new", Fcntl.O_CREAT | Fcntl.O_EXCL | Fcntl.O_WRONLY);
            Syscalls.close(fd);
            assertEquals(0644, unixLong(dir.resolve("new"), "mode") & 07777);
            assertEquals(-Errno.EEXIST, Syscalls.openat(dirFd, bytes("new"), Fcntl.O_CREAT | Fcntl.O_EXCL, 0644));
        } finally {
            Syscalls.umask(old);
        }
    }

    @Test
    void openat2StaysInsideItsRoot() throws IOException {
        assertTrue(Syscalls.openat2Supported());
        Files.createDirectories(dir.resolve("root/sub"));
        Files.writeString(dir.resolve("secret"), "outside");
        Files.createSymbolicLink(dir.resolve("root/abs"), dir.resolve("secret"));
        int root = Syscalls.openat(dirFd, bytes("root"), Fcntl.O_PATH | Fcntl.O_DIRECTORY | Fcntl.O_CLOEXEC, 0);
        try {
            int resolve = Fcntl.RESOLVE_IN_ROOT | Fcntl.RESOLVE_NO_MAGICLINKS;
            // ".." at the root stays at the root.
            int up = Syscalls.openat2(root, bytes("sub/../.."), Fcntl.O_PATH | Fcntl.O_DIRECTORY | Fcntl.O_CLOEXEC, 0, resolve);
            assertTrue(up >= 0, "openat2: " + up);
            Stat a = new Stat();
            Stat b = new Stat();
            Syscalls.fstat(up, a);
            Syscalls.fstat(root, b);
            assertEquals(b.ino, a.ino);
            Syscalls.close(up);
            // An absolute symlink target is resolved inside the root, where it does not exist.
            assertEquals(-Errno.ENOENT, Syscalls.openat2(root, bytes("abs"), Fcntl.O_RDONLY | Fcntl.O_CLOEXEC, 0, resolve));
            // Magic links are refused.
            int fd = openFile("secret", Fcntl.O_RDONLY);
            assertEquals(-Errno.ELOOP, Syscalls.openat2(Fcntl.AT_FDCWD, bytes("/proc/self/fd/" + fd),
                    Fcntl.O_RDONLY | Fcntl.O_CLOEXEC, 0, Fcntl.RESOLVE_NO_MAGICLINKS));
            Syscalls.close(fd);
            // The mode field is read: O_CREAT with a mode creates it with that mode.
            int old = Syscalls.umask(0);
            int created = Syscalls.openat2(root, bytes("made"), Fcntl.O_CREAT | Fcntl.O_EXCL | Fcntl.O_WRONLY
                    | Fcntl.O_CLOEXEC, 0604, resolve);
            Syscalls.umask(old);
            assertTrue(created >= 0, "openat2 O_CREAT: " + created);
            Syscalls.close(created);
            assertEquals(0604, unixLong(dir.resolve("root/made"), "mode") & 07777);
        } finally {
            Syscalls.close(root);
        }
    }

    @Test
    void dupAndFcntl() throws IOException {
        Files.writeString(dir.resolve("f"), "x");
        int fd = openFile("f", Fcntl.O_RDWR);
        int copy = Syscalls.dup(fd);
        assertTrue(copy >= 0 && copy != fd);
        assertEquals(Fcntl.O_RDWR, Syscalls.fcntl(copy, Fcntl.F_GETFL, 0) & Fcntl.O_ACCMODE);
        assertEquals(0, Syscalls.close(copy));
        assertEquals(0, Syscalls.close(fd));
        assertEquals(-Errno.EBADF, Syscalls.dup(-1));
    }

    @Test
    void statxMatchesWhatJavaSees() throws IOException {
        Path f = dir.resolve("f");
        Files.write(f, new byte[1234]);
        Files.setLastModifiedTime(f, FileTime.fromMillis(1_600_000_000_123L));
        Stat st = new Stat();
        assertEquals(0, Syscalls.statx(dirFd, bytes("f"), Fcntl.AT_SYMLINK_NOFOLLOW, Syscalls.STATX_BASIC_STATS
                | Syscalls.STATX_MNT_ID, st));
        assertEquals(1234, st.size);
        assertEquals(unixLong(f, "ino"), st.ino);
        assertEquals(unixLong(f, "mode"), st.mode);
        assertEquals(unixLong(f, "nlink"), st.nlink);
        assertEquals(unixLong(f, "uid"), st.uid);
        assertEquals(unixLong(f, "gid"), st.gid);
        assertEquals(unixLong(f, "dev"), st.dev());
        assertEquals(1_600_000_000L, st.mtimeSec);
        assertEquals(123_000_000, st.mtimeNsec);
        assertTrue(FileMode.isRegular(st.mode));
        assertNotEquals(0, st.mntId, "STATX_MNT_ID reported");
        assertTrue(st.blksize > 0);
        assertEquals(-Errno.ENOENT, Syscalls.statx(dirFd, bytes("nope"), 0, Syscalls.STATX_BASIC_STATS, st));
    }

    @Test
    void fstatOfAnOpathSymlinkStatsTheLinkItself() throws IOException {
        Files.createSymbolicLink(dir.resolve("l"), Path.of("/"));
        int fd = openFile("l", Fcntl.O_PATH | Fcntl.O_NOFOLLOW);
        Stat st = new Stat();
        assertEquals(0, Syscalls.fstat(fd, st));
        assertTrue(FileMode.isSymlink(st.mode));
        assertEquals(unixLong(dir.resolve("l"), "ino"), st.ino);
        Syscalls.close(fd);
    }

    @Test
    void mkdiratAndMknodat() throws IOException {
        int old = Syscalls.umask(0);
        try {
            assertEquals(0, Syscalls.mkdirat(dirFd, bytes("d"), 0751));
            assertEquals(0751, unixLong(dir.resolve("d"), "mode") & 07777);
            assertEquals(-Errno.EEXIST, Syscalls.mkdirat(dirFd, bytes("d"), 0751));

            assertEquals(0, Syscalls.mknodat(dirFd, bytes("fifo"), FileMode.S_IFIFO | 0640, 0));
            assertEquals(FileMode.S_IFIFO | 0640, unixLong(dir.resolve("fifo"), "mode"));

            long dev = Stat.makedev(1, 3);
            assertEquals(0, Syscalls.mknodat(dirFd, bytes("null"), FileMode.S_IFCHR | 0600, dev));
            Stat st = new Stat();
            Syscalls.statx(dirFd, bytes("null"), Fcntl.AT_SYMLINK_NOFOLLOW, Syscalls.STATX_BASIC_STATS, st);
            assertEquals(FileMode.S_IFCHR, st.fileType());
            assertEquals(1, st.rdevMajor);
            assertEquals(3, st.rdevMinor);
            assertEquals(0x103, st.rdevEncoded());
            assertEquals(unixLong(dir.resolve("null"), "rdev"), dev);
        } finally {
            Syscalls.umask(old);
        }
    }

    @Test
    void makedevAndRdevEncodingAgreeWithTheKernelForms() {
        assertEquals(0x103, Stat.makedev(1, 3));
        Stat st = new Stat();
        st.rdevMajor = 259;
        st.rdevMinor = 0x12345;
        // new_encode_dev: minor low byte, major << 8, minor high bits << 12
        assertEquals(0x45 | (259 << 8) | (0x12300 << 12), st.rdevEncoded());
        assertEquals((long) st.rdevEncoded() & 0xffffffffL, Stat.makedev(259, 0x12345) & 0xffffffffL);
    }

    @Test
    void symlinkatAndReadlinkat() throws IOException {
        byte[] target = bytes("../somewhere/else");
        assertEquals(0, Syscalls.symlinkat(target, dirFd, bytes("l")));
        assertEquals(Path.of("../somewhere/else"), Files.readSymbolicLink(dir.resolve("l")));
        byte[] buf = new byte[100];
        assertEquals(target.length, Syscalls.readlinkat(dirFd, bytes("l"), buf));
        assertArrayEquals(target, Arrays.copyOf(buf, target.length));
        int fd = openFile("l", Fcntl.O_PATH | Fcntl.O_NOFOLLOW);
        Arrays.fill(buf, (byte) 0);
        assertEquals(target.length, Syscalls.readlinkat(fd, null, buf), "empty path on an O_PATH fd");
        assertArrayEquals(target, Arrays.copyOf(buf, target.length));
        byte[] small = new byte[4];
        assertEquals(4, Syscalls.readlinkat(fd, null, small), "truncated to the buffer");
        assertArrayEquals(bytes("../s"), small);
        Syscalls.close(fd);
        assertEquals(-Errno.EEXIST, Syscalls.symlinkat(target, dirFd, bytes("l")));
        Files.writeString(dir.resolve("plain"), "x");
        assertEquals(-Errno.EINVAL, Syscalls.readlinkat(dirFd, bytes("plain"), buf));
    }

    @Test
    void unlinkat() throws IOException {
        Files.writeString(dir.resolve("f"), "x");
        Files.createDirectories(dir.resolve("full/inner"));
        Files.createDirectory(dir.resolve("empty"));
        assertEquals(-Errno.ENOTDIR, Syscalls.unlinkat(dirFd, bytes("f"), Fcntl.AT_REMOVEDIR));
        assertEquals(0, Syscalls.unlinkat(dirFd, bytes("f"), 0));
        assertFalse(Files.exists(dir.resolve("f")));
        assertEquals(-Errno.EISDIR, Syscalls.unlinkat(dirFd, bytes("empty"), 0));
        assertEquals(-Errno.ENOTEMPTY, Syscalls.unlinkat(dirFd, bytes("full"), Fcntl.AT_REMOVEDIR));
        assertEquals(0, Syscalls.unlinkat(dirFd, bytes("empty"), Fcntl.AT_REMOVEDIR));
        assertEquals(-Errno.ENOENT, Syscalls.unlinkat(dirFd, bytes("empty"), Fcntl.AT_REMOVEDIR));
    }

    @Test
    void renameat2PlainNoreplaceAndExchange() throws IOException {
        Files.writeString(dir.resolve("a"), "A");
        Files.writeString(dir.resolve("b"), "B");
        assertEquals(-Errno.EEXIST, Syscalls.renameat2(dirFd, bytes("a"), dirFd, bytes("b"), Fcntl.RENAME_NOREPLACE));
        assertEquals(0, Syscalls.renameat2(dirFd, bytes("a"), dirFd, bytes("b"), Fcntl.RENAME_EXCHANGE));
        assertEquals("B", Files.readString(dir.resolve("a")));
        assertEquals("A", Files.readString(dir.resolve("b")));
        assertEquals(0, Syscalls.renameat2(dirFd, bytes("a"), dirFd, bytes("b"), 0));
        assertEquals("B", Files.readString(dir.resolve("b")));
        assertFalse(Files.exists(dir.resolve("a")));
        assertEquals(-Errno.ENOENT, Syscalls.renameat2(dirFd, bytes("a"), dirFd, bytes("c"), 0));
    }

    @Test
    void linkat() throws IOException {
        Files.writeString(dir.resolve("a"), "A");
        assertEquals(0, Syscalls.linkat(dirFd, bytes("a"), dirFd, bytes("b"), 0));
        assertEquals(2, unixLong(dir.resolve("a"), "nlink"));
        assertEquals(unixLong(dir.resolve("a"), "ino"), unixLong(dir.resolve("b"), "ino"));
        assertEquals(-Errno.EEXIST, Syscalls.linkat(dirFd, bytes("a"), dirFd, bytes("b"), 0));
    }

    @Test
    void chmodAndChown() throws IOException {
        Path f = dir.resolve("f");
        Files.writeString(f, "x");
        int fd = openFile("f", Fcntl.O_RDONLY);
        assertEquals(0, Syscalls.fchmod(fd, 0600));
        assertEquals(0600, unixLong(f, "mode") & 07777);
        assertEquals(0, Syscalls.fchmodat(dirFd, bytes("f"), 04751, 0));
        assertEquals(04751, unixLong(f, "mode") & 07777);
        Syscalls.close(fd);

        int path = openFile("f", Fcntl.O_PATH | Fcntl.O_NOFOLLOW);
        int flags = Fcntl.AT_EMPTY_PATH | Fcntl.AT_SYMLINK_NOFOLLOW;
        assertEquals(0, Syscalls.fchownat(path, null, 1234, 5678, flags));
        assertEquals(1234, unixLong(f, "uid"));
        assertEquals(5678, unixLong(f, "gid"));
        assertEquals(0, Syscalls.fchownat(path, null, -1, 42, flags));
        assertEquals(1234, unixLong(f, "uid"), "-1 keeps the owner");
        assertEquals(42, unixLong(f, "gid"));
        assertEquals(-Errno.EBADF, Syscalls.fchmod(path, 0644), "fchmod refuses an O_PATH fd");
        Syscalls.close(path);
    }

    @Test
    void utimensatAndFutimens() throws IOException {
        Path f = dir.resolve("f");
        Files.writeString(f, "x");
        assertEquals(0, Syscalls.utimensat(dirFd, bytes("f"), 1_000_000_000L, 5, 1_100_000_000L, 7, 0));
        Stat st = new Stat();
        Syscalls.statx(dirFd, bytes("f"), 0, Syscalls.STATX_BASIC_STATS, st);
        assertEquals(1_000_000_000L, st.atimeSec);
        assertEquals(5, st.atimeNsec);
        assertEquals(1_100_000_000L, st.mtimeSec);
        assertEquals(7, st.mtimeNsec);

        int fd = openFile("f", Fcntl.O_RDWR);
        assertEquals(0, Syscalls.futimens(fd, 0, Fcntl.UTIME_OMIT, 1_200_000_000L, 9));
        Syscalls.fstat(fd, st);
        assertEquals(1_000_000_000L, st.atimeSec, "UTIME_OMIT keeps atime");
        assertEquals(1_200_000_000L, st.mtimeSec);
        assertEquals(9, st.mtimeNsec);
        assertEquals(0, Syscalls.futimens(fd, 0, Fcntl.UTIME_NOW, 0, Fcntl.UTIME_OMIT));
        Syscalls.fstat(fd, st);
        assertTrue(st.atimeSec > 1_600_000_000L, "UTIME_NOW sets the current time");
        assertEquals(1_200_000_000L, st.mtimeSec);
        Syscalls.close(fd);
        assertEquals(-Errno.EINVAL, Syscalls.utimensat(dirFd, bytes("f"), 0, 2_000_000_000L, 0, 0, 0));
    }

    @Test
    void ftruncateFallocateAndSyncs() throws IOException {
        Path f = dir.resolve("f");
        int fd = openFile("f", Fcntl.O_RDWR | Fcntl.O_CREAT);
        assertEquals(0, Syscalls.ftruncate(fd, 10_000));
        assertEquals(10_000, Files.size(f));
        assertEquals(0, Syscalls.fallocate(fd, Fcntl.FALLOC_FL_KEEP_SIZE, 0, 1 << 20));
        Stat st = new Stat();
        Syscalls.fstat(fd, st);
        assertEquals(10_000, st.size, "KEEP_SIZE");
        assertTrue(st.blocks * 512 >= 1 << 20, "allocated: " + st.blocks);
        assertEquals(0, Syscalls.fallocate(fd, 0, 0, 20_000));
        assertEquals(20_000, Files.size(f));
        assertEquals(0, Syscalls.fsync(fd));
        assertEquals(0, Syscalls.fdatasync(fd));
        assertEquals(0, Syscalls.syncfs(fd));
        Syscalls.close(fd);
        assertEquals(-Errno.EBADF, Syscalls.fsync(-1));
        assertEquals(-Errno.EBADF, Syscalls.ftruncate(-1, 0));
    }

    @Test
    void fstatvfsMatchesTheFileStore() throws IOException {
        StatVfs vfs = new StatVfs();
        assertEquals(0, Syscalls.fstatvfs(dirFd, vfs), "works on an O_PATH fd");
        FileStore store = Files.getFileStore(dir);
        assertEquals(store.getTotalSpace(), vfs.blocks * vfs.frsize);
        assertEquals(255, vfs.namemax);
        assertTrue(vfs.bsize > 0 && vfs.files > 0 && vfs.bfree >= vfs.bavail);
    }

    @Test
    void lseekFindsDataAndHoles() throws IOException {
        int fd = openFile("sparse", Fcntl.O_RDWR | Fcntl.O_CREAT);
        try (NativeBuffer data = NativeBuffer.allocate(4096)) {
            NativeBufferTest.fill(data, (byte) 7);
            try (NativeBuffer iov = NativeBuffer.allocate(16)) {
                iov.putIovec(0, data.address(), 4096);
                assertEquals(4096, Syscalls.pwritev(fd, iov.address(), 1, 1 << 20, 0));
            }
        }
        assertEquals(1 << 20, Syscalls.lseek(fd, 0, Fcntl.SEEK_DATA));
        assertEquals((1 << 20) + 4096, Syscalls.lseek(fd, 1 << 20, Fcntl.SEEK_HOLE));
        assertEquals(0, Syscalls.lseek(fd, 0, Fcntl.SEEK_HOLE));
        assertEquals((1 << 20) + 4096, Syscalls.lseek(fd, 0, Fcntl.SEEK_END));
        assertEquals(-Errno.ENXIO, Syscalls.lseek(fd, (1 << 20) + 4096, Fcntl.SEEK_DATA));
        assertEquals(-Errno.EINVAL, Syscalls.lseek(fd, -1, Fcntl.SEEK_SET));
        Syscalls.close(fd);
    }

    @Test
    void xattrCallsOnAnFd() throws IOException {
        Files.writeString(dir.resolve("f"), "x");
        int fd = openFile("f", Fcntl.O_RDONLY);
        byte[] name = bytes("user.test");
        byte[] value = bytes("some value");
        assertEquals(-Errno.ENODATA, Syscalls.fgetxattr(fd, name, null));
        assertEquals(0, Syscalls.fsetxattr(fd, name, value, Fcntl.XATTR_CREATE));
        assertEquals(-Errno.EEXIST, Syscalls.fsetxattr(fd, name, value, Fcntl.XATTR_CREATE));
        assertEquals(value.length, Syscalls.fgetxattr(fd, name, null), "size query");
        byte[] buf = new byte[64];
        assertEquals(value.length, Syscalls.fgetxattr(fd, name, buf));
        assertArrayEquals(value, Arrays.copyOf(buf, value.length));
        assertEquals(-Errno.ERANGE, Syscalls.fgetxattr(fd, name, new byte[3]));
        assertEquals(-Errno.ERANGE, Syscalls.fgetxattr(fd, name, new byte[0]), "an empty buffer is too small");
        byte[] list = new byte[256];
        int n = Syscalls.flistxattr(fd, list);
        assertTrue(new String(list, 0, n, UTF_8).contains("user.test\0"));
        assertEquals(n, Syscalls.flistxattr(fd, null));
        assertEquals(-Errno.ERANGE, Syscalls.flistxattr(fd, new byte[2]));
        assertEquals(-Errno.E2BIG, Syscalls.fsetxattr(fd, name, new byte[Fcntl.XATTR_SIZE_MAX + 1], 0));
        assertEquals(0, Syscalls.fremovexattr(fd, name));
        assertEquals(-Errno.ENODATA, Syscalls.fremovexattr(fd, name));
        Syscalls.close(fd);
    }

    @Test
    void xattrCallsOnAPath() throws IOException {
        Path f = dir.resolve("f");
        Files.writeString(f, "x");
        byte[] path = bytes(f.toString());
        byte[] name = bytes("user.p");
        assertEquals(0, Syscalls.setxattr(path, name, bytes("v"), 0));
        byte[] buf = new byte[8];
        assertEquals(1, Syscalls.getxattr(path, name, buf));
        assertEquals('v', buf[0]);
        assertEquals(1, Syscalls.getxattr(path, name, null));
        byte[] list = new byte[64];
        int n = Syscalls.listxattr(path, list);
        assertTrue(new String(list, 0, n, UTF_8).contains("user.p\0"));
        assertEquals(0, Syscalls.removexattr(path, name));
        assertEquals(-Errno.ENODATA, Syscalls.getxattr(path, name, buf));
        assertEquals(-Errno.ENOENT, Syscalls.getxattr(bytes(dir.resolve("missing").toString()), name, buf));
    }

    @Test
    void fchdirMovesTheWorkingDirectory() throws IOException {
        Path cwd = Path.of("/proc/self/cwd");
        Path before = Files.readSymbolicLink(cwd);
        int previous = Syscalls.openat(Fcntl.AT_FDCWD, bytes("."), Fcntl.O_PATH | Fcntl.O_DIRECTORY | Fcntl.O_CLOEXEC, 0);
        try {
            assertEquals(0, Syscalls.fchdir(dirFd), "an O_PATH directory fd will do");
            assertEquals(dir.toRealPath(), Files.readSymbolicLink(cwd));
        } finally {
            assertEquals(0, Syscalls.fchdir(previous));
            Syscalls.close(previous);
        }
        assertEquals(before, Files.readSymbolicLink(cwd));
        assertEquals(-Errno.EBADF, Syscalls.fchdir(-1));
    }

    @Test
    void aFileHandleReopensTheFileThroughAnFdOfItsMount() throws IOException {
        Files.writeString(dir.resolve("f"), "handle");
        int file = openFile("f", Fcntl.O_PATH);
        byte[] handle = new byte[Syscalls.FILE_HANDLE_SIZE];
        int mountId = Syscalls.nameToHandle(file, handle);
        Stat st = new Stat();
        assertEquals(0, Syscalls.fstat(file, st));
        assertEquals(st.mntId, mountId, "the mount id statx gives");
        int length = Syscalls.handleBytes(handle);
        assertTrue(length > 0 && length <= Fcntl.MAX_HANDLE_SZ, "handle_bytes " + length);

        assertEquals(-Errno.EBADF, Syscalls.openByHandle(dirFd, handle, Fcntl.O_RDONLY | Fcntl.O_CLOEXEC),
                "an O_PATH fd is no mount fd");
        int mountFd = Syscalls.openat(dirFd, bytes("."), Fcntl.O_RDONLY | Fcntl.O_DIRECTORY | Fcntl.O_CLOEXEC, 0);
        int reopened = Syscalls.openByHandle(mountFd, handle, Fcntl.O_RDONLY | Fcntl.O_CLOEXEC);
        assertTrue(reopened >= 0, "open_by_handle_at: " + reopened);
        Stat again = new Stat();
        assertEquals(0, Syscalls.fstat(reopened, again));
        assertEquals(st.ino, again.ino, "the same file");
        assertEquals(Files.readString(dir.resolve("f")), new String(readAll(reopened), UTF_8));
        Syscalls.close(reopened);

        Files.delete(dir.resolve("f"));
        Syscalls.close(file);
        assertEquals(-Errno.ESTALE, Syscalls.openByHandle(mountFd, handle, Fcntl.O_PATH | Fcntl.O_CLOEXEC),
                "gone once nothing holds it");
        Syscalls.close(mountFd);
    }

    @Test
    void fileHandlesRefuseWhatTheyCannotHold() {
        byte[] handle = new byte[Syscalls.FILE_HANDLE_SIZE];
        int proc = Syscalls.openat(Fcntl.AT_FDCWD, bytes("/proc/self"), Fcntl.O_PATH | Fcntl.O_CLOEXEC, 0);
        assertEquals(-Errno.EOPNOTSUPP, Syscalls.nameToHandle(proc, handle), "procfs gives no handles");
        Syscalls.close(proc);
        assertEquals(-Errno.EBADF, Syscalls.nameToHandle(-1, handle));
        assertEquals(-Errno.EINVAL, Syscalls.nameToHandle(dirFd, new byte[8]), "no room for a handle");
        byte[] tooLong = new byte[Syscalls.FILE_HANDLE_SIZE];
        tooLong[0] = (byte) (Fcntl.MAX_HANDLE_SZ + 1);
        assertEquals(-Errno.EINVAL, Syscalls.openByHandle(dirFd, tooLong, Fcntl.O_PATH));
        assertEquals(-Errno.EINVAL, Syscalls.openByHandle(dirFd, new byte[4], Fcntl.O_PATH));
    }

    private static byte[] readAll(int fd) throws IOException {
        return Files.readAllBytes(Path.of("/proc/self/fd/" + fd));
    }

    @Test
    void umaskReturnsThePreviousMask() {
        int old = Syscalls.umask(0027);
        assertEquals(0027, Syscalls.umask(old));
    }

    @Test
    void strerrorDescribes() {
        assertTrue(Syscalls.strerror(Errno.ENOENT).contains("No such file"));
    }
}
