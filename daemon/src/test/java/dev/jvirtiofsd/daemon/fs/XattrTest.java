package dev.jvirtiofsd.daemon.fs;

import static dev.jvirtiofsd.daemon.fs.FsFixture.ROOT;
import static dev.jvirtiofsd.daemon.fs.FsFixture.b;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

import dev.jvirtiofsd.daemon.sys.Errno;
import dev.jvirtiofsd.daemon.sys.Fcntl;
import dev.jvirtiofsd.daemon.sys.FileMode;

/** SETXATTR, GETXATTR, LISTXATTR, REMOVEXATTR. */
class XattrTest {
    @Test
    void roundTripOnAFileAndADirectory() throws IOException {
        try (FsFixture f = FsFixture.create(c -> c.xattr(true))) {
            Files.writeString(f.shared.resolve("file"), "");
            Files.createDirectory(f.shared.resolve("dir"));
            for (String name : new String[] {"file", "dir"}) {
                long node = f.lookup(ROOT, name).nodeId;
                byte[] value = b("value of " + name);
                assertEquals(0, f.fs.setxattr(f.ctx, node, b("user.test"), value, 0));
                assertEquals(value.length, f.fs.getxattr(f.ctx, node, b("user.test"), null), "size only");
                byte[] buf = new byte[100];
                int n = f.fs.getxattr(f.ctx, node, b("user.test"), buf);
                assertArrayEquals(value, Arrays.copyOf(buf, n));
                assertEquals(-Errno.ERANGE, f.fs.getxattr(f.ctx, node, b("user.test"), new byte[2]));
                assertEquals(-Errno.EEXIST, f.fs.setxattr(f.ctx, node, b("user.test"), value, Fcntl.XATTR_CREATE));
                assertEquals(-Errno.ENODATA, f.fs.setxattr(f.ctx, node, b("user.none"), value, Fcntl.XATTR_REPLACE));

                UserDefinedFileAttributeView view = Files.getFileAttributeView(f.shared.resolve(name),
                        UserDefinedFileAttributeView.class);
                ByteBuffer host = ByteBuffer.allocate(100);
                view.read("test", host);
                assertEquals("value of " + name, new String(host.array(), 0, host.position(), UTF_8), "on the host");

                byte[] list = new byte[256];
                int length = f.fs.listxattr(f.ctx, node, list);
                assertTrue(new String(list, 0, length, UTF_8).contains("user.test\0"));
                assertEquals(length, f.fs.listxattr(f.ctx, node, null));
                assertEquals(-Errno.ERANGE, f.fs.listxattr(f.ctx, node, new byte[3]));

                assertEquals(0, f.fs.removexattr(f.ctx, node, b("user.test")));
                assertEquals(-Errno.ENODATA, f.fs.getxattr(f.ctx, node, b("user.test"), buf));
                assertEquals(-Errno.ENODATA, f.fs.removexattr(f.ctx, node, b("user.test")));
            }
        }
    }

    @Test
    void specialFilesAndSymlinksAreNeverOpenedNorFollowed() throws IOException {
        try (FsFixture f = FsFixture.create(c -> c.xattr(true))) {
            Files.createSymbolicLink(f.shared.resolve("link"), f.canary);
            long link = f.lookup(ROOT, "link").nodeId;
            Entry fifo = new Entry();
            assertEquals(0, f.fs.mknod(f.ctx, ROOT, b("fifo"), FileMode.S_IFIFO | 0600, 0, 0, fifo));
            // The kernel refuses user.* on these types; trusted.* works (we are root) and lands on the link.
            assertEquals(-Errno.EPERM, f.fs.setxattr(f.ctx, link, b("user.x"), b("v"), 0));
            assertEquals(-Errno.EPERM, f.fs.setxattr(f.ctx, fifo.nodeId, b("user.x"), b("v"), 0));
            assertEquals(0, f.fs.setxattr(f.ctx, link, b("trusted.x"), b("v"), 0));
            assertEquals(1, f.fs.getxattr(f.ctx, link, b("trusted.x"), null));
            assertEquals(0, f.fs.setxattr(f.ctx, fifo.nodeId, b("trusted.y"), b("vv"), 0), "a fifo is not opened");
            byte[] list = new byte[256];
            int n = f.fs.listxattr(f.ctx, fifo.nodeId, list);
            assertTrue(new String(list, 0, n, UTF_8).contains("trusted.y\0"));
            assertEquals(0, f.fs.removexattr(f.ctx, link, b("trusted.x")));
            assertEquals(-Errno.ENODATA, f.fs.getxattr(f.ctx, link, b("trusted.x"), null));
            UserDefinedFileAttributeView canary = Files.getFileAttributeView(f.canary, UserDefinedFileAttributeView.class);
            assertTrue(canary.list().isEmpty(), "nothing reached the symlink's target");
        }
    }

    @Test
    void posixAclNamesAreRefusedAndHidden() throws IOException {
        try (FsFixture f = FsFixture.create(c -> c.xattr(true))) {
            Files.writeString(f.shared.resolve("file"), "");
            long node = f.lookup(ROOT, "file").nodeId;
            assertEquals(-Errno.EOPNOTSUPP, f.fs.setxattr(f.ctx, node, b("system.posix_acl_access"), new byte[4], 0));
            assertEquals(-Errno.EOPNOTSUPP, f.fs.getxattr(f.ctx, node, b("system.posix_acl_default"), null));
            assertEquals(-Errno.EOPNOTSUPP, f.fs.removexattr(f.ctx, node, b("system.posix_acl_access")));
            assertEquals(-Errno.EOPNOTSUPP, f.fs.getxattr(f.ctx, node, b("system.posix_acl"), null),
                    "a prefix of an ACL name, as the Rust virtiofsd checks");
            // An ACL set on the host stays invisible to the guest.
            assertEquals(0, dev.jvirtiofsd.daemon.sys.Syscalls.setxattr(b(f.shared.resolve("file").toString()),
                    b("system.posix_acl_access"), aclUserObjOnly(), 0));
            assertEquals(0, f.fs.setxattr(f.ctx, node, b("user.visible"), b("1"), 0));
            byte[] list = new byte[256];
            int n = f.fs.listxattr(f.ctx, node, list);
            String names = new String(list, 0, n, UTF_8);
            assertTrue(names.contains("user.visible\0"), names);
            assertFalse(names.contains("posix_acl"), names);
        }
    }

    /** A minimal access ACL (user::rw-, group::r--, other::r--) in the kernel's xattr form. */
    private static byte[] aclUserObjOnly() {
        ByteBuffer acl = ByteBuffer.allocate(4 + 3 * 8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        acl.putInt(2); // POSIX_ACL_XATTR_VERSION
        acl.putShort((short) 0x01).putShort((short) 6).putInt(-1); // ACL_USER_OBJ rw-
        acl.putShort((short) 0x04).putShort((short) 4).putInt(-1); // ACL_GROUP_OBJ r--
        acl.putShort((short) 0x20).putShort((short) 4).putInt(-1); // ACL_OTHER r--
        return acl.array();
    }

    @Test
    void hostileNamesAndValues() throws IOException {
        try (FsFixture f = FsFixture.create(c -> c.xattr(true))) {
            Files.writeString(f.shared.resolve("file"), "");
            long node = f.lookup(ROOT, "file").nodeId;
            assertEquals(-Errno.EINVAL, f.fs.setxattr(f.ctx, node, b("user.a\0user.b"), b("v"), 0));
            assertEquals(-Errno.EINVAL, f.fs.getxattr(f.ctx, node, null, null));
            assertEquals(-Errno.EINVAL, f.fs.setxattr(f.ctx, node, b("user.a"), null, 0));
            assertEquals(-Errno.ERANGE, f.fs.setxattr(f.ctx, node, b("user." + "n".repeat(300)), b("v"), 0));
            assertEquals(-Errno.E2BIG, f.fs.setxattr(f.ctx, node, b("user.big"), new byte[70_000], 0));
            assertEquals(-Errno.EOPNOTSUPP, f.fs.setxattr(f.ctx, node, b("nonamespace"), b("v"), 0));
            assertEquals(-Errno.EBADF, f.fs.getxattr(f.ctx, 999, b("user.a"), null));
        }
    }

    @Test
    void disabledXattrAnswersEnosys() throws IOException {
        try (FsFixture f = FsFixture.create()) {
            Files.writeString(f.shared.resolve("file"), "");
            long node = f.lookup(ROOT, "file").nodeId;
            assertEquals(-Errno.ENOSYS, f.fs.setxattr(f.ctx, node, b("user.a"), b("v"), 0));
            assertEquals(-Errno.ENOSYS, f.fs.getxattr(f.ctx, node, b("user.a"), null));
            assertEquals(-Errno.ENOSYS, f.fs.listxattr(f.ctx, node, null));
            assertEquals(-Errno.ENOSYS, f.fs.removexattr(f.ctx, node, b("user.a")));
            UserDefinedFileAttributeView view = Files.getFileAttributeView(f.shared.resolve("file"),
                    UserDefinedFileAttributeView.class);
            assertTrue(view.list().isEmpty());
        }
    }
}
