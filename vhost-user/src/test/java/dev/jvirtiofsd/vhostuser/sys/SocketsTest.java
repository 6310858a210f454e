package dev.jvirtiofsd.vhostuser.sys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SocketsTest {
    private static final int FD_CLOEXEC = 1;

    @Test
    void messagesCarryFdsThatArriveCloseOnExec() throws Exception {
        int[] pair = UnixSockets.socketPair();
        int memfd = Fds.memfdCreate("passed", 8192);
        try (MessageSocket a = new MessageSocket(pair[0], 8); MessageSocket b = new MessageSocket(pair[1], 8)) {
            a.send(ByteBuffer.wrap(new byte[] {1, 2, 3, 4}), memfd, memfd);
            ByteBuffer received = ByteBuffer.allocateDirect(16);
            MessageSocket.Received r = b.receive(received);
            assertEquals(4, r.bytes());
            assertEquals(4, received.position());
            assertEquals(2, r.fds().length);
            assertFalse(r.fdsTruncated());
            for (int fd : r.fds()) {
                assertEquals(8192, Fds.regularFileSize(fd), "the fd names the same file");
                assertEquals(FD_CLOEXEC, LibC.INSTANCE.fcntl(fd, 1, 0) & FD_CLOEXEC);
                Fds.closeQuietly(fd);
            }
            // A second message on the same socket objects still gets its fd (fresh control area).
            a.send(ByteBuffer.wrap(new byte[] {5}), memfd);
            received.clear();
            r = b.receive(received);
            assertEquals(1, r.fds().length);
            Fds.closeQuietly(r.fds()[0]);
        } finally {
            Fds.closeQuietly(memfd);
        }
    }

    @Test
    void tooManyFdsAreReportedAsTruncated() throws Exception {
        int[] pair = UnixSockets.socketPair();
        int memfd = Fds.memfdCreate("passed", 4096);
        try (MessageSocket a = new MessageSocket(pair[0], 8); MessageSocket b = new MessageSocket(pair[1], 2)) {
            a.send(ByteBuffer.wrap(new byte[] {9}), memfd, memfd, memfd, memfd);
            MessageSocket.Received r = b.receive(ByteBuffer.allocateDirect(4));
            assertTrue(r.fdsTruncated());
            assertTrue(r.fds().length <= 2);
            Fds.closeAll(r.fds());
        } finally {
            Fds.closeQuietly(memfd);
        }
    }

    @Test
    void readFullyCollectsPiecesAndReportsEndOfStream() throws Exception {
        int[] pair = UnixSockets.socketPair();
        try (MessageSocket a = new MessageSocket(pair[0], 8); MessageSocket b = new MessageSocket(pair[1], 8)) {
            a.send(ByteBuffer.wrap(new byte[] {1, 2}));
            a.send(ByteBuffer.wrap(new byte[] {3}));
            ByteBuffer dst = ByteBuffer.allocateDirect(3);
            b.readFully(dst);
            byte[] got = new byte[3];
            dst.flip().get(got);
            assertArrayEquals(new byte[] {1, 2, 3}, got);
            a.shutdown();
            assertTrue(b.awaitReadable(1000));
            assertEquals(0, b.receive(ByteBuffer.allocateDirect(1)).bytes());
            assertThrows(EOFException.class, () -> b.readFully(ByteBuffer.allocateDirect(1)));
        }
    }

    @Test
    void shutdownWakesAThreadBlockedInReceive() throws Exception {
        int[] pair = UnixSockets.socketPair();
        try (MessageSocket a = new MessageSocket(pair[0], 8); MessageSocket b = new MessageSocket(pair[1], 8)) {
            CompletableFuture<Integer> receiving = CompletableFuture.supplyAsync(() -> {
                try {
                    return b.receive(ByteBuffer.allocateDirect(4)).bytes();
                } catch (ErrnoException e) {
                    return -e.errno();
                }
            });
            Thread.sleep(100);
            b.shutdown();
            assertEquals(0, receiving.get(10, TimeUnit.SECONDS), "the blocked receive sees end of stream");
        }
    }

    @Test
    void listeningSocketIsOwnerOnlyAndAcceptsConnections(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("s.sock");
        int listening = UnixSockets.listen(path, 4);
        try {
            assertTrue(UnixSockets.isListeningUnixStream(listening));
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(path);
            assertTrue(permissions.stream().allMatch(p -> p.name().startsWith("OWNER")), permissions.toString());
            int client = UnixSockets.connect(path);
            int server = UnixSockets.accept(listening);
            assertFalse(UnixSockets.isListeningUnixStream(server));
            try (MessageSocket c = new MessageSocket(client, 1); MessageSocket s = new MessageSocket(server, 1)) {
                c.send(ByteBuffer.wrap(new byte[] {42}));
                ByteBuffer dst = ByteBuffer.allocateDirect(1);
                s.readFully(dst);
                assertEquals(42, dst.get(0));
            }
        } finally {
            Fds.closeQuietly(listening);
        }
        int eventFd = EventFd.newFd();
        assertFalse(UnixSockets.isListeningUnixStream(eventFd));
        Fds.closeQuietly(eventFd);
        ErrnoException e = assertThrows(ErrnoException.class, () -> UnixSockets.connect(dir.resolve("missing")));
        assertEquals(Errno.ENOENT, e.errno());
        assertEquals(Errno.ENAMETOOLONG,
                assertThrows(ErrnoException.class, () -> UnixSockets.listen(dir.resolve("x".repeat(120)), 1)).errno());
    }
}
