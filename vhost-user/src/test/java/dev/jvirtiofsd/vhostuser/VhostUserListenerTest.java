package dev.jvirtiofsd.vhostuser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvirtiofsd.vhostuser.sys.EventFd;
import dev.jvirtiofsd.vhostuser.sys.Fds;
import dev.jvirtiofsd.vhostuser.sys.UnixSockets;
import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VhostUserListenerTest {

    @Test
    void bindsOwnerOnlyReplacesAStaleSocketAndRemovesItOnClose(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("vfs.sock");
        VhostUserListener stale = VhostUserListener.bind(path);
        Fds.closeQuietly(stale.fd()); // a crashed run leaves the socket file behind
        assertTrue(Files.exists(path));
        try (VhostUserListener listener = VhostUserListener.bind(path)) {
            for (PosixFilePermission permission : Files.getPosixFilePermissions(path)) {
                assertTrue(permission.name().startsWith("OWNER"), "only the owner may connect: " + permission);
            }
            int client = UnixSockets.connect(path);
            int server = listener.accept();
            assertTrue(Fds.isOpen(server));
            Fds.closeQuietly(client);
            Fds.closeQuietly(server);
        }
        assertFalse(Files.exists(path));
    }

    @Test
    void neverDeletesSomethingThatIsNotASocket(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("precious");
        Files.writeString(path, "data");
        assertThrows(IOException.class, () -> VhostUserListener.bind(path));
        assertEquals("data", Files.readString(path));
    }

    @Test
    void closeWakesABlockedAccept(@TempDir Path dir) throws Exception {
        VhostUserListener listener = VhostUserListener.bind(dir.resolve("s"));
        CompletableFuture<Throwable> accepting = CompletableFuture.supplyAsync(() -> {
            try {
                Fds.closeQuietly(listener.accept());
                return null;
            } catch (Throwable t) {
                return t;
            }
        });
        Thread.sleep(100);
        listener.close();
        assertInstanceOf(AsynchronousCloseException.class, accepting.get(10, TimeUnit.SECONDS));
    }

    @Test
    void usesAnInheritedListeningFdAndRefusesOtherFds(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("libvirt.sock");
        int inherited = UnixSockets.listen(path, 1);
        try (VhostUserListener listener = VhostUserListener.fromFd(inherited)) {
            assertEquals(inherited, listener.fd());
            int client = UnixSockets.connect(path);
            Fds.closeQuietly(listener.accept());
            Fds.closeQuietly(client);
        }
        assertTrue(Files.exists(path), "an inherited socket's file is not ours to remove");
        int eventFd = EventFd.newFd();
        try {
            assertThrows(IOException.class, () -> VhostUserListener.fromFd(eventFd));
        } finally {
            Fds.closeQuietly(eventFd);
        }
    }
}
