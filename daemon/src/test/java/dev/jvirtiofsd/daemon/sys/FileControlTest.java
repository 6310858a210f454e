package dev.jvirtiofsd.daemon.sys;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bindings of {@link FileControl} (copy_file_range, the inode-flag ioctls) and statx's birth time. */
class FileControlTest {
    @TempDir
    Path dir;
    private int fdA = -1;
    private int fdB = -1;

    @AfterEach
    void closeFds() {
        if (fdA >= 0) {
            Syscalls.close(fdA);
        }
        if (fdB >= 0) {
            Syscalls.close(fdB);
        }
    }

    private int open(Path p, int flags) {
        int fd = Syscalls.openat(Fcntl.AT_FDCWD, p.toString().getBytes(UTF_8), flags | Fcntl.O_CLOEXEC, 0644);
        assertTrue(fd >= 0, "open " + p + ": " + fd);
        return fd;
    }

    @Test
    void copyFileRangeUsesBothOffsetsAndTheSixthArgumentArrivesIntact() throws IOException {
        byte[] data = new byte[100_000];
        new Random(1).nextBytes(data);
        Files.write(dir.resolve("a"), data);
        fdA = open(dir.resolve("a"), Fcntl.O_RDONLY);
        fdB = open(dir.resolve("b"), Fcntl.O_RDWR | Fcntl.O_CREAT);
        // flags = 0 must succeed: a garbage sixth argument (jnr-ffi bug #181) would give EINVAL.
        assertEquals(30_000, FileControl.copyFileRange(fdA, 12_345, fdB, 7, 30_000, 0));
        byte[] b = Files.readAllBytes(dir.resolve("b"));
        assertEquals(30_007, b.length);
        assertArrayEquals(Arrays.copyOfRange(data, 12_345, 42_345), Arrays.copyOfRange(b, 7, 30_007));
        assertEquals(0, Syscalls.lseek(fdA, 0, Fcntl.SEEK_CUR), "explicit offsets leave the file offset alone");
        assertEquals(0, Syscalls.lseek(fdB, 0, Fcntl.SEEK_CUR));
        assertEquals(-Errno.EINVAL, FileControl.copyFileRange(fdA, 0, fdB, 0, 10, 1), "no flag is defined");
        assertEquals(0, FileControl.copyFileRange(fdA, data.length, fdB, 0, 10, 0), "at end of file");
        assertEquals(-Errno.EBADF, FileControl.copyFileRange(fdB, 0, fdA, 0, 10, 0), "destination is read-only");
        assertEquals(-Errno.EBADF, FileControl.copyFileRange(-1, 0, fdB, 0, 10, 0));
    }

    @Test
    void inodeFlagsRoundTripAndTheKernelEnforcesAppendOnly() throws IOException {
        Path f = dir.resolve("f");
        Files.writeString(f, "one\n");
        fdA = open(f, Fcntl.O_RDONLY);
        long flags = FileControl.getFlags(fdA);
        assumeTrue(flags != -Errno.ENOTTY, "the temp filesystem has inode flags");
        assertTrue(flags >= 0, "FS_IOC_GETFLAGS: " + flags);
        try {
            assertEquals(0, FileControl.setFlags(fdA, (int) flags | FileControl.FS_APPEND_FL));
            assertEquals(FileControl.FS_APPEND_FL, FileControl.getFlags(fdA) & FileControl.FS_APPEND_FL);
            assertThrows(IOException.class, () -> Files.writeString(f, "replaced"));
            byte[] fsx = new byte[FileControl.FSXATTR_BYTES];
            assertEquals(0, FileControl.fsGetXattr(fdA, fsx));
            int xflags = (fsx[0] & 0xff) | (fsx[1] & 0xff) << 8;
            assertEquals(0x10, xflags & 0x10, "FS_XFLAG_APPEND in fsx_xflags");
            assertEquals(0, FileControl.fsSetXattr(fdA, fsx), "setting what was read back changes nothing");
        } finally {
            assertEquals(0, FileControl.setFlags(fdA, (int) flags));
        }
        assertEquals(0, FileControl.getFlags(fdA) & FileControl.FS_APPEND_FL);
        Files.writeString(f, "replaced");
        assertEquals(-Errno.EBADF, FileControl.getFlags(-1));
    }

    @Test
    void statxReportsBirthTimeWhenAskedAndTheFilesystemHasIt() throws IOException {
        Path f = dir.resolve("born");
        Files.writeString(f, "x");
        Stat st = new Stat();
        assertEquals(0, Syscalls.statx(Fcntl.AT_FDCWD, f.toString().getBytes(UTF_8), Fcntl.AT_SYMLINK_NOFOLLOW,
                Syscalls.STATX_BASIC_STATS | Syscalls.STATX_BTIME, st));
        assumeTrue((st.mask & Syscalls.STATX_BTIME) != 0, "the temp filesystem records birth times");
        assertNotEquals(0, st.btimeSec);
        assertTrue(st.btimeSec <= st.mtimeSec, "born before (or when) last modified");
        assertTrue(st.btimeNsec >= 0 && st.btimeNsec < 1_000_000_000);
    }
}
