package dev.jvirtiofsd.daemon.sys;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** preadv/pwritev/pwritev2 between a file and native memory, through {@link VectoredIo}. */
class VectoredIoTest {
    @TempDir
    Path dir;
    private NativeBuffer memory;
    private NativeBuffer iovecs;
    private int fd;

    @BeforeEach
    void setUp() {
        memory = NativeBuffer.allocate(1 << 16);
        iovecs = NativeBuffer.allocate(16L * 2048);
        fd = Syscalls.openat(Fcntl.AT_FDCWD, dir.resolve("f").toString().getBytes(UTF_8),
                Fcntl.O_RDWR | Fcntl.O_CREAT | Fcntl.O_CLOEXEC, 0644);
        assertTrue(fd >= 0);
    }

    @AfterEach
    void tearDown() {
        Syscalls.close(fd);
        memory.close();
        iovecs.close();
    }

    private void put(long offset, String s) {
        byte[] b = s.getBytes(UTF_8);
        memory.put(offset, b, 0, b.length);
    }

    private String get(long offset, int length) {
        byte[] b = new byte[length];
        memory.get(offset, b, 0, length);
        return new String(b, UTF_8);
    }

    @Test
    void writesAndReadsAcrossSeveralIovecs() throws IOException {
        put(0, "hello ");
        put(1000, "world");
        iovecs.putIovec(0, memory.address(), 6);
        iovecs.putIovec(1, memory.address() + 1000, 5);
        assertEquals(11, VectoredIo.write(fd, iovecs.address(), 2, 11, 0, 0));
        assertEquals("hello world", Files.readString(dir.resolve("f")));

        iovecs.putIovec(0, memory.address() + 2000, 3);
        iovecs.putIovec(1, memory.address() + 3000, 2);
        iovecs.putIovec(2, memory.address() + 4000, 100);
        assertEquals(11, VectoredIo.read(fd, iovecs.address(), 3, 200, 0), "short only at end of file");
        assertEquals("hel", get(2000, 3));
        assertEquals("lo", get(3000, 2));
        assertEquals(" world", get(4000, 6));
    }

    @Test
    void transfersNoMoreThanTheSizeEvenIfTheIovecsHoldMore() throws IOException {
        put(0, "0123456789");
        iovecs.putIovec(0, memory.address(), 4);
        iovecs.putIovec(1, memory.address() + 4, 6);
        assertEquals(7, VectoredIo.write(fd, iovecs.address(), 2, 7, 0, 0));
        assertEquals("0123456", Files.readString(dir.resolve("f")));
        assertEquals(memory.address(), iovecs.getLong(0), "the caller's iovecs are not changed");
        assertEquals(4, iovecs.getLong(8));
        assertEquals(6, iovecs.getLong(24));

        iovecs.putIovec(0, memory.address() + 100, 50);
        assertEquals(3, VectoredIo.read(fd, iovecs.address(), 1, 3, 2));
        assertEquals("234", get(100, 3));
        assertEquals(0, memory.getLong(103) & 0xff, "nothing beyond the size was written");
    }

    @Test
    void readAtOrPastTheEndGivesWhatThereIs() throws IOException {
        Files.writeString(dir.resolve("f"), "abc");
        iovecs.putIovec(0, memory.address(), 4096);
        assertEquals(0, VectoredIo.read(fd, iovecs.address(), 1, 4096, 3));
        assertEquals(0, VectoredIo.read(fd, iovecs.address(), 1, 4096, 1 << 30));
        assertEquals(1, VectoredIo.read(fd, iovecs.address(), 1, 4096, 2));
        assertEquals("c", get(0, 1));
    }

    @Test
    void appendFlagWritesAtTheEndWhateverTheOffset() throws IOException {
        Files.writeString(dir.resolve("f"), "start-");
        put(0, "end");
        iovecs.putIovec(0, memory.address(), 3);
        assertEquals(3, VectoredIo.write(fd, iovecs.address(), 1, 3, 0, Fcntl.RWF_APPEND));
        assertEquals("start-end", Files.readString(dir.resolve("f")));
        assertEquals(3, VectoredIo.write(fd, iovecs.address(), 1, 3, 0, 0));
        assertEquals("endrt-end", Files.readString(dir.resolve("f")), "without the flag the offset counts");
    }

    @Test
    void refusesBadVectorsAndReportsErrno() {
        assertEquals(-Errno.EINVAL, VectoredIo.read(fd, iovecs.address(), VectoredIo.IOV_MAX + 1, 10, 0));
        assertEquals(-Errno.EINVAL, VectoredIo.read(fd, iovecs.address(), -1, 10, 0));
        assertEquals(-Errno.EINVAL, VectoredIo.read(fd, 0, 1, 10, 0));
        iovecs.putIovec(0, memory.address(), -5);
        assertEquals(-Errno.EINVAL, VectoredIo.read(fd, iovecs.address(), 1, 10, 0), "negative length");
        assertEquals(0, VectoredIo.read(fd, iovecs.address(), 0, 10, 0));
        iovecs.putIovec(0, memory.address(), 10);
        assertEquals(-Errno.EBADF, VectoredIo.read(-1, iovecs.address(), 1, 10, 0));
        assertEquals(-Errno.EINVAL, VectoredIo.read(fd, iovecs.address(), 1, 10, -1));
    }

    @Test
    void manyIovecsUpToTheLimit() throws IOException {
        byte[] content = new byte[VectoredIo.IOV_MAX * 8];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) i;
        }
        memory.put(0, content, 0, content.length);
        for (int i = 0; i < VectoredIo.IOV_MAX; i++) {
            iovecs.putIovec(i, memory.address() + i * 8L, 8);
        }
        assertEquals(content.length, VectoredIo.write(fd, iovecs.address(), VectoredIo.IOV_MAX, content.length, 0, 0));
        assertArrayEquals(content, Files.readAllBytes(dir.resolve("f")));
    }

    @Test
    void sliceSkipsIntoTheMiddleOfAnIovec() {
        iovecs.putIovec(0, 1000, 10);
        iovecs.putIovec(1, 2000, 20);
        iovecs.putIovec(2, 3000, 30);
        int count = VectoredIo.slice(Native.at(iovecs.address(), 48), 3, 15, 20);
        assertEquals(2, count);
        jnr.ffi.Pointer out = ThreadScratch.get().iovecs();
        assertEquals(2005, out.getLong(0));
        assertEquals(15, out.getLong(8));
        assertEquals(3000, out.getLong(16));
        assertEquals(5, out.getLong(24));
        assertEquals(1, VectoredIo.slice(Native.at(iovecs.address(), 48), 3, 10, 5));
        assertEquals(2000, out.getLong(0));
        assertEquals(5, out.getLong(8));
    }
}
