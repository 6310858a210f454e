package dev.jvirtiofsd.daemon.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The OFD lock and flock(2) bindings against the real kernel: two open file descriptions conflict. */
class FileLocksTest {
    @TempDir
    Path dir;
    private int a = -1;
    private int b = -1;
    private int readOnly = -1;

    @BeforeEach
    void open() throws IOException {
        Path file = Files.writeString(dir.resolve("f"), "0123456789");
        byte[] path = file.toString().getBytes(StandardCharsets.UTF_8);
        a = Syscalls.openat(Fcntl.AT_FDCWD, path, Fcntl.O_RDWR | Fcntl.O_CLOEXEC, 0);
        b = Syscalls.openat(Fcntl.AT_FDCWD, path, Fcntl.O_RDWR | Fcntl.O_CLOEXEC, 0);
        readOnly = Syscalls.openat(Fcntl.AT_FDCWD, path, Fcntl.O_RDONLY | Fcntl.O_CLOEXEC, 0);
        assertTrue(a >= 0 && b >= 0 && readOnly >= 0);
    }

    @AfterEach
    void close() {
        Syscalls.close(a);
        Syscalls.close(b);
        Syscalls.close(readOnly);
    }

    @Test
    void constantsAgreeWithTheHeaders() throws IOException {
        HeaderConstants h = new HeaderConstants(List.of(Path.of("/usr/include/asm-generic/fcntl.h"),
                Path.of("/usr/include/asm-generic/errno.h")));
        check(h, "F_RDLCK", FileLocks.F_RDLCK);
        check(h, "F_WRLCK", FileLocks.F_WRLCK);
        check(h, "F_UNLCK", FileLocks.F_UNLCK);
        check(h, "F_OFD_GETLK", FileLocks.F_OFD_GETLK);
        check(h, "F_OFD_SETLK", FileLocks.F_OFD_SETLK);
        check(h, "F_OFD_SETLKW", FileLocks.F_OFD_SETLKW);
        check(h, "LOCK_SH", FileLocks.LOCK_SH);
        check(h, "LOCK_EX", FileLocks.LOCK_EX);
        check(h, "LOCK_NB", FileLocks.LOCK_NB);
        check(h, "LOCK_UN", FileLocks.LOCK_UN);
        check(h, "ENOLCK", FileLocks.ENOLCK);
    }

    private static void check(HeaderConstants h, String name, int ours) {
        Long value = h.value(name);
        assertTrue(value != null, name + " is not in the headers");
        assertEquals(value.longValue(), ours, name);
    }

    @Test
    void ofdLocksOfTwoOpenFileDescriptionsConflictAndGetlkReportsTheHolder() {
        FileLocks.Range r = new FileLocks.Range();
        // A start and length beyond 32 bits show both 64-bit fields arrive intact.
        long start = 5L << 32;
        assertEquals(0, FileLocks.setOfd(a, r.set(FileLocks.F_WRLCK, start, 100), false));
        assertEquals(-Errno.EAGAIN, FileLocks.setOfd(b, r.set(FileLocks.F_RDLCK, start + 99, 1), false));
        assertEquals(0, FileLocks.setOfd(b, r.set(FileLocks.F_WRLCK, start + 100, 0), false), "past a's range");

        assertEquals(0, FileLocks.getOfd(b, r.set(FileLocks.F_RDLCK, 0, 0)));
        assertEquals(FileLocks.F_WRLCK, r.type);
        assertEquals(start, r.start);
        assertEquals(100, r.length);
        assertEquals(-1, r.pid, "OFD locks have no pid");

        assertEquals(0, FileLocks.getOfd(a, r.set(FileLocks.F_WRLCK, start, 100)));
        assertEquals(FileLocks.F_UNLCK, r.type, "an open file description does not conflict with itself");

        assertEquals(0, FileLocks.setOfd(a, r.set(FileLocks.F_UNLCK, 0, 0), false));
        assertEquals(0, FileLocks.setOfd(b, r.set(FileLocks.F_WRLCK, start, 100), true), "free now: no wait");
    }

    @Test
    void aWriteLockNeedsAWritableDescription() {
        FileLocks.Range r = new FileLocks.Range();
        assertEquals(-Errno.EBADF, FileLocks.setOfd(readOnly, r.set(FileLocks.F_WRLCK, 0, 0), false));
        assertEquals(0, FileLocks.setOfd(readOnly, r.set(FileLocks.F_RDLCK, 0, 0), false));
        assertEquals(-Errno.EINVAL, FileLocks.setOfd(readOnly, r.set(7, 0, 0), false));
    }

    @Test
    void flockExcludesOtherOpenFileDescriptions() {
        assertEquals(0, FileLocks.flock(a, FileLocks.LOCK_SH | FileLocks.LOCK_NB));
        assertEquals(0, FileLocks.flock(b, FileLocks.LOCK_SH | FileLocks.LOCK_NB));
        assertEquals(-Errno.EAGAIN, FileLocks.flock(b, FileLocks.LOCK_EX | FileLocks.LOCK_NB));
        assertEquals(0, FileLocks.flock(a, FileLocks.LOCK_UN));
        assertEquals(0, FileLocks.flock(b, FileLocks.LOCK_EX | FileLocks.LOCK_NB));
        assertEquals(-Errno.EAGAIN, FileLocks.flock(a, FileLocks.LOCK_SH | FileLocks.LOCK_NB));
    }
}
