package dev.jvirtiofsd.daemon.sys;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** getdents64 through {@link Dirents}. */
class DirentsTest {
    @TempDir
    Path dir;

    private int openDir() {
        int fd = Syscalls.openat(Fcntl.AT_FDCWD, dir.toString().getBytes(UTF_8),
                Fcntl.O_RDONLY | Fcntl.O_DIRECTORY | Fcntl.O_CLOEXEC, 0);
        assertTrue(fd >= 0);
        return fd;
    }

    @Test
    void listsEveryEntryWithItsTypeAndInode() throws IOException {
        int files = 700; // several batches of the 32 KiB buffer
        for (int i = 0; i < files; i++) {
            Files.writeString(dir.resolve("file-with-a-longish-name-" + i), "");
        }
        Files.createDirectory(dir.resolve("sub"));
        Files.createSymbolicLink(dir.resolve("link"), Path.of("nowhere"));
        Map<String, Integer> types = new HashMap<>();
        Map<String, Long> inodes = new HashMap<>();
        int fd = openDir();
        int batches = 0;
        int state;
        do {
            state = Dirents.readBatch(fd, (ino, next, type, name, length) -> {
                String n = new String(name, 0, length, UTF_8);
                assertTrue(types.put(n, type) == null, "listed twice: " + n);
                inodes.put(n, ino);
                return true;
            });
            batches++;
        } while (state == Dirents.MORE);
        Syscalls.close(fd);
        assertEquals(Dirents.END, state);
        assertTrue(batches > 2, "batches: " + batches);
        assertEquals(files + 4, types.size());
        assertEquals(FileMode.DT_DIR, types.get("."));
        assertEquals(FileMode.DT_DIR, types.get(".."));
        assertEquals(FileMode.DT_DIR, types.get("sub"));
        assertEquals(FileMode.DT_LNK, types.get("link"));
        assertEquals(FileMode.DT_REG, types.get("file-with-a-longish-name-5"));
        assertEquals(((Number) Files.getAttribute(dir.resolve("sub"), "unix:ino")).longValue(), inodes.get("sub"));
    }

    @Test
    void stopsWhereTheVisitorRefusesAndResumesFromAnOffset() throws IOException {
        for (int i = 0; i < 50; i++) {
            Files.writeString(dir.resolve("f" + i), "");
        }
        int fd = openDir();
        List<String> first = new ArrayList<>();
        long[] lastOffset = {0};
        assertEquals(Dirents.STOPPED, Dirents.readBatch(fd, (ino, next, type, name, length) -> {
            if (first.size() == 20) {
                return false;
            }
            first.add(new String(name, 0, length, UTF_8));
            lastOffset[0] = next;
            return true;
        }));
        assertEquals(lastOffset[0], Syscalls.lseek(fd, lastOffset[0], Fcntl.SEEK_SET));
        Set<String> rest = new HashSet<>();
        while (Dirents.readBatch(fd, (ino, next, type, name, length) -> rest.add(new String(name, 0, length, UTF_8)))
                == Dirents.MORE) {
            // keep reading
        }
        Syscalls.close(fd);
        assertEquals(52, first.size() + rest.size());
        for (String n : first) {
            assertTrue(!rest.contains(n), "seen again after resuming: " + n);
        }
    }

    @Test
    void errorsComeBackAsErrno() throws IOException {
        Files.writeString(dir.resolve("f"), "");
        int fd = Syscalls.openat(Fcntl.AT_FDCWD, dir.resolve("f").toString().getBytes(UTF_8), Fcntl.O_RDONLY, 0);
        assertEquals(-Errno.ENOTDIR, Dirents.readBatch(fd, (ino, next, type, name, length) -> true));
        Syscalls.close(fd);
        assertEquals(-Errno.EBADF, Dirents.readBatch(-1, (ino, next, type, name, length) -> true));
    }
}
