package dev.jvirtiofsd.vhostuser.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FdsAndMmapTest {

    @Test
    void failedCallsCarryTheirErrno() {
        ErrnoException e = assertThrows(ErrnoException.class, () -> Mmap.unmap(1, 4096));
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.getMessage().contains("munmap"));
        assertFalse(Fds.isOpen(-1));
        assertFalse(Fds.isOpen(1 << 20));
    }

    @Test
    void memfdHasItsSizeAndClosesOnce() throws Exception {
        int fd = Fds.memfdCreate("test", 3 * 4096 + 5);
        assertTrue(Fds.isOpen(fd));
        assertEquals(3 * 4096 + 5, Fds.regularFileSize(fd));
        Fds.closeQuietly(fd);
        assertFalse(Fds.isOpen(fd));
        int eventFd = EventFd.newFd();
        assertEquals(-1, Fds.regularFileSize(eventFd), "an eventfd is not a regular file");
        Fds.closeQuietly(eventFd);
    }

    @Test
    void sharedMappingsAtAnOffsetSeeTheSameFile() throws Exception {
        // mmap has six arguments; the offset (the sixth) must arrive intact (jnr-ffi bug #181).
        int fd = Fds.memfdCreate("test", 4 * 4096);
        long whole = Mmap.mapShared(fd, 0, 4 * 4096);
        long tail = Mmap.mapShared(fd, 2 * 4096, 2 * 4096);
        try {
            NativeMemory.putLong(whole + 2 * 4096 + 8, 0x5151);
            assertEquals(0x5151, NativeMemory.getLong(tail + 8));
            NativeMemory.putInt(tail + 4096, 77);
            assertEquals(77, NativeMemory.getInt(whole + 3 * 4096));
        } finally {
            Mmap.unmap(whole, 4 * 4096);
            Mmap.unmap(tail, 2 * 4096);
            Fds.closeQuietly(fd);
        }
        ErrnoException e = assertThrows(ErrnoException.class, () -> Mmap.mapShared(fd, 0, 4096));
        assertEquals(Errno.EBADF, e.errno());
    }
}
