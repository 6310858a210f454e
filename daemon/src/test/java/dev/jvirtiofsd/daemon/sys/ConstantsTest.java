package dev.jvirtiofsd.daemon.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every hand-typed constant of the sys package against the installed kernel and libc headers. */
class ConstantsTest {
    private static HeaderConstants headers;

    @BeforeAll
    static void readHeaders() throws IOException {
        headers = new HeaderConstants(List.of(
                Path.of("/usr/include/asm-generic/errno-base.h"),
                Path.of("/usr/include/asm-generic/errno.h"),
                Path.of("/usr/include/asm-generic/fcntl.h"),
                Path.of("/usr/include/linux/fcntl.h"),
                Path.of("/usr/include/linux/openat2.h"),
                Path.of("/usr/include/linux/fs.h"),
                Path.of("/usr/include/linux/falloc.h"),
                Path.of("/usr/include/linux/xattr.h"),
                Path.of("/usr/include/linux/limits.h"),
                Path.of("/usr/include/linux/stat.h"),
                Path.of("/usr/include/x86_64-linux-gnu/bits/stat.h"),
                Path.of("/usr/include/x86_64-linux-gnu/bits/fcntl-linux.h"),
                Path.of("/usr/include/unistd.h"),
                Path.of("/usr/include/dirent.h"),
                Path.of("/usr/include/x86_64-linux-gnu/asm/unistd_64.h")));
    }

    @Test
    void headerParserUnderstandsTheForms() {
        assertEquals(04010000L, headers.value("O_SYNC"), "names and |");
        assertEquals((1L << 30) - 1, headers.value("UTIME_NOW"), "<< and - with suffixes");
        assertEquals(0x10L, headers.value("RWF_APPEND"), "a cast");
        assertEquals(1030L, headers.value("F_DUPFD_CLOEXEC"), "+");
        assertEquals(-100L, headers.value("AT_FDCWD"), "a negative literal");
        assertEquals(4L, headers.value("DT_DIR"), "an enum member");
    }

    @Test
    void errnoValuesMatchTheKernel() throws IllegalAccessException {
        assertMatch(Errno.class);
    }

    @Test
    void flagValuesMatchTheKernel() throws IllegalAccessException {
        assertMatch(Fcntl.class);
    }

    @Test
    void fileModeValuesMatchTheHeaders() throws IllegalAccessException {
        assertMatch(FileMode.class);
    }

    @Test
    void syscallNumbersAndStatxMasks() {
        assertEquals(headers.value("__NR_openat2"), Syscalls.SYS_OPENAT2);
        assertEquals(headers.value("__NR_getdents64"), Syscalls.SYS_GETDENTS64);
        assertEquals(headers.value("STATX_BASIC_STATS"), (long) Syscalls.STATX_BASIC_STATS);
        assertEquals(headers.value("STATX_MNT_ID"), (long) Syscalls.STATX_MNT_ID);
    }

    private static void assertMatch(Class<?> holder) throws IllegalAccessException {
        List<String> checked = new ArrayList<>();
        for (Field field : holder.getDeclaredFields()) {
            int m = field.getModifiers();
            if (!Modifier.isStatic(m) || !Modifier.isFinal(m) || !Modifier.isPublic(m)) {
                continue;
            }
            long javaValue = field.getType() == long.class ? field.getLong(null) : field.getInt(null);
            Long headerValue = headers.value(field.getName());
            assertNotNull(headerValue, field.getName() + " not found in the headers");
            assertEquals(headerValue.longValue(), javaValue, holder.getSimpleName() + "." + field.getName());
            checked.add(field.getName());
        }
        assertTrue(checked.size() > 5, "checked " + checked);
    }
}
