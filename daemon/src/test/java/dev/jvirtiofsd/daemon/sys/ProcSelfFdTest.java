package dev.jvirtiofsd.daemon.sys;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The calls made through an O_PATH fd's /proc/self/fd magic link. */
class ProcSelfFdTest {
    @TempDir
    Path dir;
    private ProcSelfFd proc;

    @BeforeEach
    void open() throws ErrnoException {
        proc = ProcSelfFd.open();
    }

    @AfterEach
    void close() {
        proc.close();
    }

    private int opath(Path p) {
        int fd = Syscalls.openat(Fcntl.AT_FDCWD, p.toString().getBytes(UTF_8),
                Fcntl.O_PATH | Fcntl.O_NOFOLLOW | Fcntl.O_CLOEXEC, 0);
        assertTrue(fd >= 0, "open " + p + ": " + fd);
        return fd;
    }

    private static long unixLong(Path p, String attribute) throws IOException {
        return ((Number) Files.getAttribute(p, "unix:" + attribute, LinkOption.NOFOLLOW_LINKS)).longValue();
    }

    @Test
    void reopensTheInodeNotThePath() throws IOException {
        Path f = dir.resolve("f");
        Files.writeString(f, "original");
        int path = opath(f);
        Files.move(f, dir.resolve("moved"));
        Files.writeString(f, "impostor");
        int fd = proc.reopen(path, Fcntl.O_RDONLY | Fcntl.O_NOFOLLOW | Fcntl.O_CREAT);
        assertTrue(fd >= 0, "reopen: " + fd);
        try (NativeBuffer data = NativeBuffer.allocate(64); NativeBuffer iov = NativeBuffer.allocate(16)) {
            iov.putIovec(0, data.address(), 64);
            assertEquals(8, VectoredIo.read(fd, iov.address(), 1, 64, 0));
            byte[] got = new byte[8];
            data.get(0, got, 0, 8);
            assertEquals("original", new String(got, UTF_8));
        }
        assertEquals(1, Syscalls.fcntl(fd, Fcntl.F_GETFD, 0), "O_CLOEXEC added");
        Syscalls.close(fd);
        Syscalls.close(path);
        assertEquals(-Errno.EBADF, proc.reopen(-1, Fcntl.O_RDONLY));
    }

    @Test
    void aSymlinkIsNeverFollowed() throws IOException {
        Path target = dir.resolve("target");
        Files.writeString(target, "secret");
        Path link = dir.resolve("link");
        Files.createSymbolicLink(link, target);
        int path = opath(link);
        assertEquals(-Errno.ELOOP, proc.reopen(path, Fcntl.O_RDONLY), "a symlink is not opened for I/O");
        int again = proc.reopen(path, Fcntl.O_PATH);
        assertTrue(again >= 0);
        Stat st = new Stat();
        Syscalls.fstat(again, st);
        assertTrue(FileMode.isSymlink(st.mode), "O_PATH reopen is the link itself");
        Syscalls.close(again);

        // xattr through the magic link lands on the link, not on its target.
        byte[] name = "trusted.mark".getBytes(UTF_8);
        assertEquals(0, proc.setxattr(path, name, "v".getBytes(UTF_8), 0));
        assertEquals(1, proc.getxattr(path, name, null));
        assertEquals(-Errno.ENODATA, Syscalls.getxattr(target.toString().getBytes(UTF_8), name, null));
        byte[] list = new byte[128];
        int n = proc.listxattr(path, list);
        assertTrue(new String(list, 0, n, UTF_8).contains("trusted.mark\0"));
        assertEquals(0, proc.removexattr(path, name));
        assertEquals(-Errno.EPERM, proc.setxattr(path, "user.x".getBytes(UTF_8), new byte[1], 0),
                "the kernel's answer for user.* on a symlink");

        Object targetCtime = Files.getAttribute(target, "unix:ctime");
        assertEquals(0, proc.utimens(path, 100, 0, 200, 0));
        Syscalls.fstat(path, st);
        assertEquals(200, st.mtimeSec, "the link's own times");
        assertEquals(targetCtime, Files.getAttribute(target, "unix:ctime"), "the target is untouched");
        assertEquals(-Errno.EOPNOTSUPP, proc.chmod(path, 0600), "chmod of a symlink");
        Syscalls.close(path);
        assertEquals("secret", Files.readString(target));
    }

    @Test
    void chmodUtimensAndLinkThroughTheMagicLink() throws IOException {
        Path f = dir.resolve("f");
        Files.writeString(f, "x");
        int path = opath(f);
        assertEquals(0, proc.chmod(path, 0604));
        assertEquals(0604, unixLong(f, "mode") & 07777);
        assertEquals(0, proc.utimens(path, 0, Fcntl.UTIME_OMIT, 1_234_567_890L, 0));
        assertEquals(1_234_567_890_000L, Files.getLastModifiedTime(f).toMillis());

        int dirFd = opath(dir);
        assertEquals(0, proc.link(path, dirFd, "hard".getBytes(UTF_8)));
        assertEquals(2, unixLong(f, "nlink"));
        assertEquals(unixLong(f, "ino"), unixLong(dir.resolve("hard"), "ino"));
        assertEquals(-Errno.EEXIST, proc.link(path, dirFd, "hard".getBytes(UTF_8)));
        Syscalls.close(dirFd);
        Syscalls.close(path);
    }

    @Test
    void pathXattrCallsLeaveTheWorkingDirectoryAsItWas() throws IOException {
        Path cwd = Path.of("/proc/self/cwd");
        Path before = Files.readSymbolicLink(cwd);
        Path fifo = dir.resolve("fifo");
        assertEquals(0, Syscalls.mknodat(Fcntl.AT_FDCWD, fifo.toString().getBytes(UTF_8), FileMode.S_IFIFO | 0600, 0));
        int path = opath(fifo);
        assertEquals(0, proc.setxattr(path, "trusted.a".getBytes(UTF_8), "1".getBytes(UTF_8), 0));
        assertEquals(-Errno.ENODATA, proc.getxattr(path, "trusted.b".getBytes(UTF_8), null));
        assertEquals(before, Files.readSymbolicLink(cwd), "the working directory is restored");
        Syscalls.close(path);
    }

    @Test
    void openingAMissingDirectoryFailsWithItsErrno() {
        ErrnoException e = org.junit.jupiter.api.Assertions.assertThrows(ErrnoException.class,
                () -> ProcSelfFd.open(dir.resolve("nope").toString()));
        assertEquals(Errno.ENOENT, e.errno());
    }
}
