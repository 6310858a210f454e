package dev.jvirtiofsd.vhostuser;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The listening Unix socket a frontend connects to: created at {@code --socket-path}, or an
 * inherited listening fd ({@code --fd}, as libvirt passes it).
 */
public final class VhostUserListener implements AutoCloseable {
    // Implemented in the vhost-user module; contract below.

    /**
     * Creates a listening socket at {@code path} (an existing socket file there is removed
     * first; the parent directory must exist). The socket file is removed again by {@link
     * #close()}.
     */
    public static VhostUserListener bind(Path path) throws IOException {
        throw new UnsupportedOperationException("contract only");
    }

    /** Uses an inherited fd that must already be a listening Unix stream socket. */
    public static VhostUserListener fromFd(int fd) throws IOException {
        throw new UnsupportedOperationException("contract only");
    }

    /** Blocks until a frontend connects; returns the connected socket's fd. */
    public int accept() throws IOException {
        throw new UnsupportedOperationException("contract only");
    }

    /** The listening socket's fd. */
    public int fd() {
        throw new UnsupportedOperationException("contract only");
    }

    /** Closes the listening socket and removes the socket file if this listener created it. */
    @Override
    public void close() {
        throw new UnsupportedOperationException("contract only");
    }
}
