package dev.jvirtiofsd.daemon.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.jvirtiofsd.daemon.sys.HeaderConstants;

/** The FUSE bits the filesystem uses, against linux/fuse.h. */
class FuseFlagsTest {
    @Test
    void matchTheKernelHeader() throws IOException, IllegalAccessException {
        HeaderConstants fuse = new HeaderConstants(List.of(Path.of("/usr/include/linux/fuse.h")));
        int checked = 0;
        for (Field field : FuseFlags.class.getDeclaredFields()) {
            if (!Modifier.isStatic(field.getModifiers()) || field.isSynthetic()) {
                continue;
            }
            field.setAccessible(true);
            long value = field.getType() == long.class ? field.getLong(null) : field.getInt(null);
            Long header = fuse.value(field.getName());
            assertNotNull(header, field.getName());
            assertEquals(header.longValue(), value, field.getName());
            checked++;
        }
        assertEquals(13, checked);
    }
}
