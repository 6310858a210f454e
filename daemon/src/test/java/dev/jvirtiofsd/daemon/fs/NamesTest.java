package dev.jvirtiofsd.daemon.fs;

import static dev.jvirtiofsd.daemon.fs.FsFixture.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import dev.jvirtiofsd.daemon.sys.Errno;

class NamesTest {
    @Test
    void plainNamesPass() {
        assertEquals(0, Names.check(b("file")));
        assertEquals(0, Names.check(b("...")));
        assertEquals(0, Names.check(b(".hidden")));
        assertEquals(0, Names.check(b("..x")));
        assertEquals(0, Names.check(b("x".repeat(255))));
        assertEquals(0, Names.check(new byte[] {(byte) 0xff, (byte) 0xfe}), "any bytes but '/' and NUL");
    }

    @Test
    void badNamesGetTheirErrno() {
        assertEquals(-Errno.ENOENT, Names.check(new byte[0]));
        assertEquals(-Errno.ENOENT, Names.check(null));
        assertEquals(-Errno.ENAMETOOLONG, Names.check(b("x".repeat(256))));
        assertEquals(-Errno.EINVAL, Names.check(b(".")));
        assertEquals(-Errno.EINVAL, Names.check(b("..")));
        assertEquals(-Errno.EINVAL, Names.check(b("a/b")));
        assertEquals(-Errno.EINVAL, Names.check(b("/")));
        assertEquals(-Errno.EINVAL, Names.check(b("../..")));
        assertEquals(-Errno.EINVAL, Names.check(b("a\0")));
    }

    @Test
    void dotsAndNuls() {
        assertTrue(Names.isDot(b(".")));
        assertFalse(Names.isDot(b("..")));
        assertTrue(Names.isDotDot(b("..")));
        assertFalse(Names.isDotDot(b("...")));
        assertFalse(Names.isDotDot(null));
        assertEquals(0, Names.checkNoNul(b("a/b/../c")));
        assertEquals(-Errno.EINVAL, Names.checkNoNul(b("a\0b")));
    }
}
