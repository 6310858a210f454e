package dev.jvirtiofsd.vhostuser;

import dev.jvirtiofsd.vhostuser.sys.ErrnoException;
import dev.jvirtiofsd.vhostuser.sys.Fds;
import dev.jvirtiofsd.vhostuser.sys.UnixSockets;
import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listening Unix socket a frontend connects to: created at {@code --socket-path}, or an
 * inherited listening fd ({@code --fd}, as libvirt passes it).
 */
public final class VhostUserListener implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VhostUserListener.class);
    private static final int BACKLOG = 16;

    private final int fd;
    private final Path createdPath;
    private volatile boolean closed;

    private VhostUserListener(int fd, Path createdPath) {
        this.fd = fd;
        this.createdPath = createdPath;
    }

    /**
     * Creates a listening socket at {@code path} (an existing socket file there is removed
     * first; the parent directory must exist). The socket file is removed again by {@link
     * #close()}. Only the owner may connect: the file is created under umask 0077.
     */
    public static VhostUserListener bind(Path path) throws IOException {
        removeStaleSocket(path);
        return new VhostUserListener(UnixSockets.listen(path, BACKLOG), path);
    }

    /** Uses an inherited fd that must already be a listening Unix stream socket. */
    public static VhostUserListener fromFd(int fd) throws IOException {
        if (!UnixSockets.isListeningUnixStream(fd)) {
            throw new IOException("fd " + fd + " is not a listening Unix stream socket");
        }
        return new VhostUserListener(fd, null);
    }

    /** Blocks until a frontend connects; returns the connected socket's fd. */
    public int accept() throws IOException {
        if (closed) {
            throw new AsynchronousCloseException();
        }
        try {
            return UnixSockets.accept(fd);
        } catch (ErrnoException e) {
            if (closed) {
                throw new AsynchronousCloseException();
            }
            throw e;
        }
    }

    /** The listening socket's fd. */
    public int fd() {
        return fd;
    }

    /** Closes the listening socket and removes the socket file if this listener created it. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // shutdown() wakes a thread blocked in accept(); close() alone would not.
        UnixSockets.shutdown(fd);
        Fds.closeQuietly(fd);
        if (createdPath != null) {
            try {
                Files.deleteIfExists(createdPath);
            } catch (IOException e) {
                LOG.warn("Cannot remove socket {}: {}", createdPath, e.getMessage());
            }
        }
    }

    private static void removeStaleSocket(Path path) throws IOException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException e) {
            return;
        }
        if (!isSocket(path, attributes)) {
            // Only a socket is a leftover of an earlier run; never delete anything else.
            throw new IOException(path + " exists and is not a socket");
        }
        Files.delete(path);
    }

    private static boolean isSocket(Path path, BasicFileAttributes attributes) {
        final int typeMask = 0170000;
        final int socketType = 0140000;
        try {
            Object mode = Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return mode instanceof Integer && (((Integer) mode) & typeMask) == socketType;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return attributes.isOther();
        }
    }
}
